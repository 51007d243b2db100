// The engine's one event stream. The transcript, the plain and JSON presenters and the TUI are
// all subscribers; each event is also one line of transcript.jsonl (DESIGN.md section 4).
import type { Operation, OperationResult, Target } from '../operations/types.js';
import type { RunMode } from './runbook.js';
import type { RetryObserver } from '../effects/types.js';

export type StepOutcome = 'done' | 'failed' | 'blocked' | 'skipped' | 'planned';
/**
 * completed-held-back: every step went through, but items a guard, a recheck or a settle held back
 * are still not done (named in run.end's heldBack). It is finished, not resumable: a resume would
 * hold them back again; the operator deals with each, then runs again.
 */
export type RunOutcome = 'completed' | 'completed-held-back' | 'failed' | 'blocked' | 'aborted' | 'planned' | 'refused';
export type ItemStatus = 'done' | 'failed' | 'held' | 'skipped';

/** An item a run left undone on purpose, and why. */
export interface HeldBackItem {
  step: string;
  key: string;
  reason: string;
}

/** A guard that failed in a dry-run: the steps after it were planned as if it passed. */
export interface WouldBlock {
  step: string;
  guard: string;
  detail: string;
}
export interface PlannedOperation {
  kind: Operation['kind'];
  summary: string;
  command: string;
  mutating: boolean;
  target: Target;
  /** Runs even after an earlier operation of its item failed (restores what the item changed). */
  always?: boolean;
  /** sql */
  db?: string;
  sql?: string;
  params?: unknown[];
  /** api */
  method?: string;
  service?: string;
  path?: string;
  body?: unknown;
  /** shell */
  host?: string;
  argv?: string[];
}

/** Where a step's wall time went, by life-cycle phase (absent when the step ended by an exception). */
export interface StepPhases {
  planMs: number;
  /** Guards, the held-back records and consolidation. */
  guardsMs: number;
  /** The operator's answer (0 under --yes). */
  confirmMs: number;
  /** Executing the items (resume's resolve included), settle excluded. */
  itemsMs: number;
  settleMs: number;
  verifyMs: number;
}

interface EventBase {
  ts: string;
  seq: number;
}

export type EngineEventBody =
  | {
      type: 'run.start';
      runId: string;
      runbook: string;
      version: string;
      params: unknown;
      mode: RunMode;
      /** null: the whole cloud; otherwise the rehearsal's instance (ref as typed; uuid once resolved). */
      scope: { kind: 'instance' | 'host' | 'volume'; ref: string; instance?: string; host?: string; volume?: string; name?: string } | null;
      operator: string;
      host: string;
      cloud: string;
      resumed: boolean;
      attempt: number;
    }
  | { type: 'run.abandoned'; runId: string; reason: string; operator: string; host: string; by: string }
  | { type: 'step.start'; step: string; title: string; index: number; optional: boolean; warnings: string[] }
  /** A step whose condition (appliesWhen) the run's params do not meet: never planned, said once. */
  | { type: 'step.not-applicable'; step: string; title: string; index: number; condition: string }
  | { type: 'guard'; step: string; name: string; ok: boolean; detail: string; heldBack: { key: string; reason: string }[] }
  | { type: 'op.planned'; step: string; item: string | null; opId: string; op: PlannedOperation }
  | { type: 'op.start'; step: string; item: string | null; opId: string; summary: string; command: string; mutating: boolean }
  | { type: 'op.output'; opId: string; stream: 'stdout' | 'stderr'; chunk: string }
  | {
      type: 'op.end';
      step: string;
      item: string | null;
      opId: string;
      ok: boolean;
      status?: number;
      exitCode?: number;
      durationMs: number;
      rows?: number;
      error?: string;
    }
  /** An operation about to be tried again under the retry policy: what failed, the attempt coming, the wait before it. */
  | { type: 'retry'; step: string; item: string | null; opId: string; summary: string; failure: string; attempt: number; maxAttempts: number; waitMs: number }
  /** A mutating operation was sent and its answer never came: it may or may not have been applied. */
  | { type: 'answer-lost'; step: string; item: string | null; opId: string; summary: string; error: string }
  /** How a lost answer was settled: by reading state ('done', 'not-done'), or not at all ('unknown': the item fails, resumable). */
  | { type: 'resolved'; step: string; item: string; opId: string; verdict: 'done' | 'not-done' | 'unknown'; detail: string }
  | { type: 'item'; step: string; key: string; status: ItemStatus; detail: string }
  | { type: 'confirm'; step: string; question: string; answer: boolean; how: string }
  | { type: 'note'; step: string | null; level: 'info' | 'warn'; message: string }
  | {
      type: 'step.end';
      step: string;
      outcome: StepOutcome;
      detail: string;
      durationMs: number;
      phases?: StepPhases;
      /** Dry-run only: the guards that would have stopped this step in a live run. */
      wouldBlock?: WouldBlock[];
    }
  | {
      type: 'run.end';
      outcome: RunOutcome;
      summary: string;
      durationMs: number;
      counts: { done: number; failed: number; held: number; skipped: number };
      apiRequests: Record<string, number>;
      /** null when the run was refused before its directory was created (nothing was written). */
      runDir: string | null;
      /** The items left undone on purpose (absent in transcripts older than the field). */
      heldBack?: HeldBackItem[];
      /** Dry-run: the guards that would refuse a live run (absent when none, and in older transcripts). */
      wouldBlock?: WouldBlock[];
    };

export type EngineEvent = EngineEventBody & EventBase;
export type EventType = EngineEvent['type'];

export type EventListener = (event: EngineEvent) => void;

/** Stamps ts and seq, and fans events out to subscribers in order. */
export class EventBus {
  private readonly listeners: EventListener[] = [];
  private seq: number;

  constructor(startSeq = 0) {
    this.seq = startSeq;
  }

  subscribe(listener: EventListener): void {
    this.listeners.push(listener);
  }

  emit(body: EngineEventBody): EngineEvent {
    const event = { ts: new Date().toISOString(), seq: ++this.seq, ...body } as EngineEvent;
    for (const listener of this.listeners) listener(event);
    return event;
  }

  get lastSeq(): number {
    return this.seq;
  }
}

/** The outcome as the summaries' headline: 'COMPLETED, 3 HELD BACK' says at a glance that the job is not all done. */
export function outcomeHeadline(outcome: RunOutcome, heldBack: number): string {
  if (outcome === 'completed-held-back') return `COMPLETED, ${heldBack} HELD BACK`;
  return outcome.toUpperCase();
}

/** How a dry-run says that a guard would have stopped a step, everywhere. */
export function wouldBlockText(w: Pick<WouldBlock, 'guard' | 'detail'>): string {
  return `would be blocked by "${w.guard}": ${w.detail}`;
}

/** How a step whose condition does not hold is said, everywhere: 'not applicable: only with --method db'. */
export function notApplicable(condition: string): string {
  return `not applicable: only with ${condition}`;
}

export function planOperation(op: Operation): PlannedOperation {
  const base = { kind: op.kind, summary: op.summary, command: op.command, mutating: op.mutating, target: op.target, ...(op.always ? { always: true } : {}) };
  switch (op.kind) {
    case 'sql':
      return { ...base, db: op.db, sql: op.sql, params: op.params };
    case 'api':
      return { ...base, method: op.method, service: op.service, path: op.path, body: op.body };
    case 'shell':
      return { ...base, host: op.host, argv: op.argv };
  }
}

/** The observer an effect tells its retries to, as `retry` events of one operation. */
export function retryEvents(bus: EventBus, step: string, item: string | null, opId: string, summary: string): RetryObserver {
  return (notice) => bus.emit({ type: 'retry', step, item, opId, summary, ...notice });
}

/** An operation's answer as events: what it printed, then how it ended. */
export function emitOperationEnd(bus: EventBus, step: string, item: string | null, opId: string, result: OperationResult): void {
  if (result.stdout) bus.emit({ type: 'op.output', opId, stream: 'stdout', chunk: result.stdout });
  if (result.stderr) bus.emit({ type: 'op.output', opId, stream: 'stderr', chunk: result.stderr });
  bus.emit({
    type: 'op.end',
    step,
    item,
    opId,
    ok: result.ok,
    status: result.status,
    exitCode: result.exitCode,
    durationMs: Math.round(result.durationMs),
    rows: result.rows?.length ?? result.affectedRows,
    error: result.error,
  });
}
