// Errors that end a command with a known exit code. Each carries what to do next, because the
// person reading it is on call and wants the next command, not a stack trace.

import { ExitCode, NovaopsError } from '../errors.js';

export { ExitCode, NovaopsError };

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

/** A read-only session's refusal: nothing is written for it, not even refusals.jsonl. */
export class ReadOnlyRefusal extends RefusedError {}

export function readOnlyRefusal(what: string, instead: string): ReadOnlyRefusal {
  return new ReadOnlyRefusal(
    `read-only session: ${what} is refused (read_only: true in the config, --read-only or NOVAOPS_READ_ONLY)`,
    `what works here: ${instead}, novaops show, novaops transcripts, novaops doctor; a live run needs a session without read-only`,
  );
}
