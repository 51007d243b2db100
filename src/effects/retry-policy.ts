// The one retry policy of novaops' effects: which failures are worth another attempt, how long
// to wait before it, how many attempts in all, and when a silent cloud stops the run. The API,
// the database and the hosts all ask it; no runbook has its own.
//
// The rule that shapes everything here: a mutating request whose answer was lost may have been
// applied. It is never repeated by the effect; it comes back as a lost answer, and the engine
// resolves it by reading state (execute-operation.ts, run-item.ts).
import { ExitCode, NovaopsError } from '../errors.js';

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** The first back-off's ceiling; each later one doubles it (full jitter: a random wait below the ceiling). */
  baseDelayMs: number;
  /** No back-off ceiling grows past this. */
  maxDelayMs: number;
  /** A server's Retry-After is honoured up to this; longer ones are cut to it. */
  maxRetryAfterMs: number;
  /** Nothing answered for this long (every attempt failed without an answer): the run stops. */
  silenceBudgetMs: number;
  /** 0 <= random() < 1; tests pin it. */
  random: () => number;
  /** The clock (ms); tests may replace it. */
  now: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 30_000,
  silenceBudgetMs: 60_000,
  random: Math.random,
  now: () => Date.now(),
};

export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, ...overrides };
}

/**
 * What a failure means for another attempt:
 * - 'retry': nothing was changed by it (a read, or a request the server refused before acting);
 * - 'lost-answer': a mutation that may or may not have been applied: resolved by reading, never repeated here;
 * - 'final': another attempt would fail the same way.
 */
export type FailureVerdict = 'retry' | 'lost-answer' | 'final';

/** One retry as the operator sees it: what failed, which attempt comes next, and the wait before it. */
export interface RetryNotice {
  failure: string;
  /** The attempt about to be made (2 for the first retry). */
  attempt: number;
  maxAttempts: number;
  waitMs: number;
}

export type RetryObserver = (notice: RetryNotice) => void;

/**
 * The wait before attempt `attempt` (2 = the first retry): a server's Retry-After when it gave
 * one (capped), otherwise exponential back-off with full jitter, so that a hundred items that
 * failed together do not come back together.
 */
export function backoffMs(policy: RetryPolicy, attempt: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), policy.maxRetryAfterMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 2));
  return Math.floor(policy.random() * ceiling);
}

/** Retry-After in ms: delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** The cloud (or a database) said nothing for the whole budget: the run stops, resumable. */
export class CloudUnreachableError extends NovaopsError {
  declare readonly hint: string;
  constructor(message: string, hint: string) {
    super(message, hint, ExitCode.failed);
  }
}

/**
 * How long the cloud has been silent to one chain of attempts: since the chain's first unanswered
 * attempt was sent, unless something answered any request of the effect after that (one answer
 * from anywhere means it is not silent). Time with nothing in flight (an operator reading a
 * confirmation) never counts. A retry that would take the silence past the budget is not made:
 * the run stops instead of retrying for an hour.
 */
export interface SilenceWatch {
  answered(): void;
  /** Throws CloudUnreachableError when waiting `waitMs` more would pass the budget. */
  check(silentSince: number, waitMs: number, what: string, lastFailure: string): void;
}

export function silenceWatch(policy: RetryPolicy): SilenceWatch {
  let lastAnswer = Number.NEGATIVE_INFINITY;
  return {
    answered() {
      lastAnswer = policy.now();
    },
    check(silentSince, waitMs, what, lastFailure) {
      const silentMs = policy.now() + waitMs - Math.max(silentSince, lastAnswer);
      if (silentMs < policy.silenceBudgetMs) return;
      throw new CloudUnreachableError(
        `${what} answered nothing for ${seconds(policy.silenceBudgetMs)} (last: ${lastFailure}); the run stopped rather than retry on`,
        'when it answers again, novaops resume continues the run where it stopped',
      );
    },
  };
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

// ---- What each kind of failure means -------------------------------------------------------

/** Network errors that prove the request never left: nothing can have been applied. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** An HTTP request that threw (its `cause` node's error): was the request sent (and its answer lost), or never sent? */
export function networkFailureSent(err: unknown): boolean {
  const code = (err as { cause?: { code?: string } })?.cause?.code;
  return !(code !== undefined && NOT_SENT_CODES.has(code));
}

/**
 * An HTTP exchange that did not succeed. A GET is safe to repeat on a gateway's 502/503/504 or a
 * lost connection. A mutation is repeated only when the server said it did nothing: a 503 with a
 * body (the service itself refused), or a connection that was never made. A reset, a timeout,
 * a 500, 502 or 504, or a bodiless 503 (a proxy may have forwarded it) leave it unknown.
 */
export function httpVerdict(
  method: string,
  outcome: { status: number; hasBody: boolean } | { network: 'not-sent' | 'no-answer' },
): FailureVerdict {
  const read = method === 'GET';
  if ('network' in outcome) {
    if (outcome.network === 'not-sent' || read) return 'retry';
    return 'lost-answer';
  }
  const { status, hasBody } = outcome;
  if (read) return status === 502 || status === 503 || status === 504 ? 'retry' : 'final';
  if (status === 503 && hasBody) return 'retry';
  if (status === 500 || status === 502 || status === 503 || status === 504) return 'lost-answer';
  return 'final';
}

/** Lock waits and deadlocks: InnoDB rolled the statement (or the transaction) back; another attempt may pass. */
const SQL_LOCK_CODES = new Set(['ER_LOCK_WAIT_TIMEOUT', 'ER_LOCK_DEADLOCK']);
/** The connection is gone (dropped, or killed on the server): a new one may work. */
const SQL_CONNECTION_CODES = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE', 'ER_CONNECTION_KILLED', 'ER_SERVER_SHUTDOWN', 'ER_CLIENT_INTERACTION_TIMEOUT']);

export function isSqlConnectionLoss(code: string | undefined): boolean {
  return code !== undefined && SQL_CONNECTION_CODES.has(code);
}

/**
 * A database failure before any COMMIT was sent: the server rolled back or never saw the work, so
 * the statement (or the whole transaction, from its start) may run again.
 */
export function sqlVerdict(code: string | undefined): FailureVerdict {
  if (code === undefined) return 'final';
  return SQL_LOCK_CODES.has(code) || SQL_CONNECTION_CODES.has(code) ? 'retry' : 'final';
}

/**
 * A COMMIT that failed: when the connection was lost, the server may have committed before it
 * went; the outcome is unknown, so it is a lost answer. Any other COMMIT failure was refused.
 */
export function commitVerdict(code: string | undefined): FailureVerdict {
  return isSqlConnectionLoss(code) ? 'lost-answer' : 'final';
}

/**
 * ssh exit 255 after the connection was up: it dropped while the command ran (or before its exit
 * status came back). A read is worth one more attempt on a fresh connection; a mutating command
 * may have run: a lost answer. Failures before any connection (refused, host key, login, name)
 * are final: nothing ran, and another attempt fails the same way.
 */
export function sshVerdict(mutating: boolean, exitCode: number, stderr: string): FailureVerdict {
  if (exitCode !== 255 || !sshConnectionDropped(stderr)) return 'final';
  return mutating ? 'lost-answer' : 'retry';
}

/**
 * A host command's failure, over ssh or run locally: a dropped link (sshVerdict), or a command
 * that hung until its timeout killed it. A read that hung changed nothing and a second one often
 * passes (a stuck iscsiadm, a host briefly overloaded); a mutating one may have run: a lost answer.
 */
export function hostCommandVerdict(mutating: boolean, exitCode: number, stderr: string): FailureVerdict {
  if (exitCode === HOST_TIMEOUT_EXIT && /novaops: killed after \d+ ms\n?$/.test(stderr)) return mutating ? 'lost-answer' : 'retry';
  return sshVerdict(mutating, exitCode, stderr);
}

/** What timeout(1) reports, and runArgv for a command its timeout killed. */
export const HOST_TIMEOUT_EXIT = 124;

export function sshConnectionDropped(stderr: string): boolean {
  return /Connection reset|Broken pipe|closed by remote host|Connection to \S+ closed|mux_client_read_packet|Shared connection to \S+ closed|client_loop: send disconnect/i.test(stderr);
}
