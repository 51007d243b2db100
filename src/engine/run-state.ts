// state.json of a run: its shape, checked whenever it is read. A damaged file must stop a
// resume with the file's name and what is wrong, never reach the runner half-understood —
// above all the scope: a rehearsal whose scope cannot be known must never resume on the cloud.
import { z } from 'zod';
import type { EngineEventBody, RunOutcome, StepOutcome } from './events.js';
import type { RunMode, Scope } from './runbook.js';

export type RunStatus = 'running' | RunOutcome | 'abandoned';

/** The statuses after which a run is over: nothing resumes it and nothing waits for it. */
export const FINAL_STATUSES: ReadonlySet<RunStatus> = new Set<RunStatus>(['completed', 'completed-held-back', 'planned', 'refused', 'abandoned']);

/** What a run may touch: the whole cloud, or (a rehearsal) one instance and its volumes, one host, one volume. */
export type RunScope =
  | { kind: 'cloud' }
  | { kind: 'instance'; ref: string; uuid: string; name?: string }
  | { kind: 'host'; ref: string; name: string }
  | { kind: 'volume'; ref: string; id: string; name?: string };

export interface StepState {
  /** not-applicable: its condition (appliesWhen) does not hold for the run's params; it counts as passed. */
  status: 'pending' | 'running' | 'not-applicable' | StepOutcome;
  detail?: string;
  startedAt?: string;
  endedAt?: string;
}

export interface RunState {
  runId: string;
  runbook: string;
  version: string;
  params: unknown;
  mode: RunMode;
  /** Resolved before the run directory exists, kept across resumes, never widened. */
  scope: RunScope;
  cloud: string;
  operator: string;
  host: string;
  pid: number;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  attempts: number;
  /** Set, durably, right before the first mutating operation of the run may execute. */
  mutatingSince?: string;
  abandoned?: { at: string; by: string; reason: string };
  /** A run that ended completed-held-back: the items it left undone on purpose, and why. */
  heldBack?: { step: string; key: string; reason: string }[];
  steps: Record<string, StepState>;
  facts: Record<string, unknown>;
}

const stepState = z.object({
  status: z.enum(['pending', 'running', 'done', 'failed', 'blocked', 'skipped', 'planned', 'not-applicable']),
  detail: z.string().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
});

const runScope = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('cloud') }),
  z.object({ kind: z.literal('instance'), ref: z.string(), uuid: z.string().min(1), name: z.string().optional() }),
  z.object({ kind: z.literal('host'), ref: z.string(), name: z.string().min(1) }),
  z.object({ kind: z.literal('volume'), ref: z.string(), id: z.string().min(1), name: z.string().optional() }),
]);

export const runStateSchema = z.object({
  runId: z.string().min(1),
  runbook: z.string().min(1),
  version: z.string(),
  params: z.unknown(),
  mode: z.enum(['live', 'dry-run']),
  scope: runScope,
  cloud: z.string().min(1),
  operator: z.string(),
  host: z.string(),
  pid: z.number().int(),
  status: z.enum(['running', 'completed', 'completed-held-back', 'failed', 'blocked', 'aborted', 'planned', 'refused', 'abandoned']),
  createdAt: z.string(),
  updatedAt: z.string(),
  attempts: z.number().int().min(1),
  mutatingSince: z.string().optional(),
  abandoned: z.object({ at: z.string(), by: z.string(), reason: z.string() }).optional(),
  heldBack: z.array(z.object({ step: z.string(), key: z.string(), reason: z.string() })).optional(),
  steps: z.record(z.string(), stepState),
  facts: z.record(z.string(), z.unknown()),
});

/** Parses state.json text; the error says what is wrong in words, for the operator. */
export function parseRunState(text: string): { ok: true; state: RunState } | { ok: false; problem: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `not JSON (${(error as Error).message.slice(0, 80)})` };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return { ok: false, problem: `not a JSON object (it is ${doc === null ? 'null' : Array.isArray(doc) ? 'an array' : typeof doc})` };
  }
  if ('scope' in doc && (doc as { scope: unknown }).scope === null) {
    return { ok: false, problem: 'its scope is unknown ("scope": null): it cannot be told whether it was a rehearsal on one instance or a run on the whole cloud' };
  }
  const parsed = runStateSchema.safeParse(doc);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    return { ok: false, problem: issues.join('; ') };
  }
  return { ok: true, state: parsed.data as RunState };
}

/**
 * A run that started changing the cloud and is not over: a new run of its runbook must wait for it.
 * A run stopped before its first mutating operation (the operator said no) changed nothing, and
 * does not block.
 */
export function isUnfinishedMutating(state: RunState): boolean {
  return state.mode === 'live' && !FINAL_STATUSES.has(state.status) && state.mutatingSince !== undefined;
}

/** A run's status in lists (transcripts list, the home screen): 'completed, 3 held back' says it in words. */
export function describeStatus(status: RunStatus, heldBack: number | undefined): string {
  return status === 'completed-held-back' ? `completed, ${heldBack ?? '?'} held back` : status;
}

/** The scope as the run.start event and the transcript list show it. */
export function describeScope(scope: RunScope): string {
  switch (scope.kind) {
    case 'cloud':
      return 'whole cloud';
    case 'instance':
      return `instance ${scope.name ? `${scope.name} ` : ''}${scope.uuid}`;
    case 'host':
      return `host ${scope.name}`;
    case 'volume':
      return `volume ${scope.name ? `${scope.name} ` : ''}${scope.id}`;
  }
}

/** What the steps see of a run's scope. */
export function stepScope(scope: RunScope): Scope {
  switch (scope.kind) {
    case 'cloud':
      return {};
    case 'instance':
      return { instance: { uuid: scope.uuid, name: scope.name } };
    case 'host':
      return { host: scope.name };
    case 'volume':
      return { volume: { id: scope.id, name: scope.name } };
  }
}

/** A run's scope as run.start carries it. */
export function scopeEvent(scope: RunScope): EventScope {
  switch (scope.kind) {
    case 'cloud':
      return null;
    case 'instance':
      return { kind: 'instance', ref: scope.ref, instance: scope.uuid, name: scope.name };
    case 'host':
      return { kind: 'host', ref: scope.ref, host: scope.name };
    case 'volume':
      return { kind: 'volume', ref: scope.ref, volume: scope.id, name: scope.name };
  }
}

export type EventScope = Extract<EngineEventBody, { type: 'run.start' }>['scope'];
