// Errors that end a command with a known exit code. Each carries what to do next, because the
// person reading it is on call and wants the next command, not a stack trace.

export const ExitCode = {
  ok: 0,
  /** The run went through but some items or a step failed; `novaops resume` can finish it. */
  failed: 1,
  /** Bad input or configuration; nothing was changed. */
  usage: 2,
  /** Refused: a guard failed, or another run holds the lock. Nothing further was changed. */
  refused: 3,
  /** The operator answered no. */
  aborted: 4,
} as const;

export class NovaopsError extends Error {
  constructor(
    message: string,
    readonly hint: string | undefined,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input, bad config, unreachable dependency before anything changed: exit 2. */
export class UsageError extends NovaopsError {
  constructor(message: string, hint?: string) {
    super(message, hint, ExitCode.usage);
  }
}

/** A lock held by someone else, a blocked guard: exit 3. */
export class RefusedError extends NovaopsError {
  constructor(message: string, hint?: string) {
    super(message, hint, ExitCode.refused);
  }
}

/** A runbook broke an engine rule (scope, read-only discovery): a bug, never the operator's fault. */
export class EngineRuleError extends NovaopsError {
  constructor(message: string) {
    super(message, 'this is a defect in the runbook; nothing further was run', ExitCode.failed);
  }
}

/**
 * A run directory whose files cannot be trusted (damaged state.json, transcript lines that are
 * not events, a volume map changed after capture): exit 2. The run is left as it is, so that the
 * operator can repair the file and resume, or abandon the run.
 */
export class DamagedRunError extends NovaopsError {
  constructor(message: string, hint: string) {
    super(message, hint, ExitCode.usage);
  }
}
