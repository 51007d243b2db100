// What step 0 saw and decided, kept in state.json across resumes: every selected instance with
// the state it was in when the operator was shown it (the "before" table), whether it is stuck,
// and what is planned for it. Later steps compare the cloud against this, never against a fresh
// read alone: an instance that moved on since the operator saw it is not reset.
import { z } from 'zod';
import { defineFact } from '../../src/engine/fact.js';
import type { Server } from '../../src/operations/openstack/servers.js';
import { formatDuration } from '../lib/duration.js';
import type { ResetStateParams } from './params.js';

/** A server as reset-state reads it: vm_state, task_state, when its record last changed — all in Server. */
export type ServerState = Server;

/** A named instance counts as stuck once its task has not moved for this long (--force for the others). */
export const NAMED_MIN_STUCK_SECONDS = 5 * 60;

const entry = z.object({
  uuid: z.string().min(1),
  name: z.string(),
  host: z.string().nullable(),
  status: z.string(),
  vmState: z.string().nullable(),
  taskState: z.string().nullable(),
  updatedAt: z.string().nullable(),
  /** Seconds since updatedAt when the state was read (null: Nova gave no time). */
  ageSeconds: z.number().nullable(),
  volumes: z.number().int().min(0),
  stuck: z.boolean(),
  /** Why it is, or is not, stuck, in words. */
  why: z.string(),
  resetTo: z.enum(['error', 'active']),
  delete: z.boolean(),
  /** Why the plan for it is not simply what the flags say (task_state deleting). */
  note: z.string().nullable(),
});
export type InstanceEntry = z.infer<typeof entry>;

const snapshot = z.object({
  takenAt: z.string(),
  selection: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('named'), minStuckSeconds: z.number() }),
    z.object({ kind: z.literal('stuck-for'), seconds: z.number() }),
  ]),
  instances: z.array(entry),
});
export type Snapshot = z.infer<typeof snapshot>;

export const snapshotFact = defineFact('reset-state.before', snapshot, 'step 0 (show the state of each instance)');

/** Nova's task_state for an instance someone asked to delete. */
export const DELETING = 'deleting';

/** An intermediate state: a task in progress, or an instance that never finished building. */
export function inIntermediateState(s: Pick<ServerState, 'vmState' | 'taskState'>): boolean {
  return s.taskState !== null || s.vmState === 'building';
}

export function ageOf(s: Pick<ServerState, 'updatedAt'>, now: number): number | null {
  if (!s.updatedAt) return null;
  const t = Date.parse(s.updatedAt);
  return Number.isNaN(t) ? null : Math.max(0, Math.floor((now - t) / 1000));
}

/** Stuck = an intermediate state whose record has not changed for at least `minSeconds`. */
export function stuckness(s: ServerState, now: number, minSeconds: number): { stuck: boolean; why: string; ageSeconds: number | null } {
  const ageSeconds = ageOf(s, now);
  const what = s.taskState !== null ? `task_state ${s.taskState}` : `vm_state ${s.vmState}`;
  if (!inIntermediateState(s)) return { stuck: false, ageSeconds, why: `no task in progress (${s.status}, vm_state ${s.vmState ?? 'none'})` };
  if (ageSeconds === null) return { stuck: false, ageSeconds, why: `${what}, but Nova gives no time of its last change` };
  if (ageSeconds < minSeconds) {
    return { stuck: false, ageSeconds, why: `${what} changed only ${formatDuration(ageSeconds)} ago (less than ${formatDuration(minSeconds)}): Nova may still be working on it` };
  }
  return { stuck: true, ageSeconds, why: `${what}, unchanged for ${formatDuration(ageSeconds)}` };
}

/** What happens to one instance: the flags, except that an instance being deleted is deleted again. */
export function planFor(s: ServerState, p: ResetStateParams): Pick<InstanceEntry, 'resetTo' | 'delete' | 'note'> {
  if (s.taskState === DELETING) {
    return {
      resetTo: 'error',
      delete: true,
      note: p.active
        ? 'it was being deleted: reset to error and deleted again, not reset to active (the guide\'s own example)'
        : p.delete
          ? null
          : 'it was being deleted: reset to error and deleted again (the guide\'s own example)',
    };
  }
  if (p.delete) return { resetTo: 'error', delete: true, note: null };
  return { resetTo: p.active ? 'active' : 'error', delete: false, note: null };
}

export function entryOf(s: ServerState, p: ResetStateParams, now: number, minSeconds: number): InstanceEntry {
  const { stuck, why, ageSeconds } = stuckness(s, now, minSeconds);
  return {
    uuid: s.id,
    name: s.name,
    host: s.host,
    status: s.status,
    vmState: s.vmState,
    taskState: s.taskState,
    updatedAt: s.updatedAt,
    ageSeconds,
    volumes: s.volumesAttached.length,
    stuck,
    why,
    ...planFor(s, p),
  };
}

/** Does the instance still show the state the operator was shown? */
export function unchangedSince(before: InstanceEntry, now: ServerState): boolean {
  return now.vmState === before.vmState && now.taskState === before.taskState && now.updatedAt === before.updatedAt;
}

/** Already where the reset would put it (done by an earlier attempt, or nothing left to do). */
export function atResetTarget(entry: InstanceEntry, now: ServerState): boolean {
  return now.vmState === entry.resetTo && now.taskState === null;
}

export function describeState(s: Pick<ServerState, 'status' | 'vmState' | 'taskState' | 'updatedAt'>): string {
  return `${s.status} (vm_state ${s.vmState ?? 'none'}, task_state ${s.taskState ?? 'none'}, updated ${s.updatedAt ?? 'never'})`;
}

export function label(e: Pick<InstanceEntry, 'name' | 'uuid'>): string {
  return e.name ? `${e.name} (${e.uuid})` : e.uuid;
}
