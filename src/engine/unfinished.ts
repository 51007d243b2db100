// Invariant 15: an unfinished mutating run blocks a new run of the same runbook on the same
// cloud until it is resumed or explicitly abandoned. A new drp over a half-recovered cloud would
// capture a map of what the first run already destroyed; the first run's map is the record.
import { join } from 'node:path';
import { readIfExists } from '../effects/files/durable-write.js';
import { fileExists } from '../effects/files/local-files.js';
import { RefusedError, UsageError } from './errors.js';
import { EventBus } from './events.js';
import type { RunLock } from './lock.js';
import type { Redactor } from './redact.js';
import { describeScope, FINAL_STATUSES, isUnfinishedMutating, type RunState } from './run-state.js';
import type { PriorRun, Runbook } from './runbook.js';
import { runbookOfRunId, RunStore, scanRuns, type DamagedRun } from './run-store.js';
import { lastSeq, readTranscriptFile, TranscriptWriter } from './transcript.js';

export interface UnfinishedRuns {
  runs: RunState[];
  /** Directories of this runbook whose state cannot be read: they might be unfinished. */
  damaged: DamagedRun[];
}

export async function findUnfinished(stateDir: string, runbook: Runbook, cloud: string): Promise<UnfinishedRuns> {
  const { runs, damaged } = await scanRuns(stateDir);
  return {
    runs: runs.filter((r) => r.runbook === runbook.id && r.cloud === cloud && isUnfinishedMutating(r)),
    damaged: damaged.filter((d) => runbookOfRunId(d.runId) === runbook.id),
  };
}

/** The refusal a new run gets while `found` is not empty. */
export function unfinishedRefusal(runbookId: string, cloud: string, found: UnfinishedRuns): RefusedError {
  if (found.runs.length > 0) {
    const run = found.runs[found.runs.length - 1];
    const others = found.runs.length > 1 ? ` (and ${found.runs.length - 1} older: ${found.runs.slice(0, -1).map((r) => r.runId).join(', ')})` : '';
    return new RefusedError(
      `unfinished run ${run.runId} of ${runbookId} on cloud "${cloud}" (${run.status}, ${describeScope(run.scope)}, started ${run.createdAt} by ${run.operator}@${run.host})${others}: a new run would start over on a half-changed cloud`,
      `finish it with: novaops resume ${run.runId}  — or give it up, recorded, with: novaops abandon ${run.runId} (or run again with --abandon-unfinished)`,
    );
  }
  const d = found.damaged[0];
  return new RefusedError(
    `run directory ${d.dir} of ${runbookId} is damaged (${d.problem}); it may be an unfinished run on this cloud`,
    `repair its state.json, or move the directory out of runs/ (keep it for the post-mortem), then run again`,
  );
}

/** Marks a run abandoned, in its state and its transcript. The caller holds the cloud's lock. */
export async function abandonRun(store: RunStore, lock: RunLock, redactor: Redactor, how: { by: string; reason: string; operator: string; host: string }): Promise<void> {
  const { state } = store;
  if (FINAL_STATUSES.has(state.status)) {
    throw new UsageError(`run ${state.runId} already ended ${state.status}; there is nothing to abandon`, `novaops transcripts show ${state.runId}`);
  }
  store.claim(lock);
  // A damaged transcript still takes the record: it goes after the last readable event.
  const { events } = await readTranscriptFile(store.transcriptPath).catch(() => ({ events: [] }));
  const bus = new EventBus(lastSeq(events));
  const transcript = new TranscriptWriter(store, redactor);
  bus.subscribe((event) => transcript.write(event));
  bus.emit({ type: 'run.abandoned', runId: state.runId, reason: how.reason, operator: how.operator, host: how.host, by: how.by });
  transcript.close();
  state.status = 'abandoned';
  state.abandoned = { at: new Date().toISOString(), by: `${how.operator}@${how.host} (${how.by})`, reason: how.reason };
  await store.save();
  await store.close();
}

/** Abandoned runs of this runbook and cloud since its last completed run, newest first. */
export async function abandonedPredecessors(stateDir: string, runbookId: string, cloud: string, self: string): Promise<PriorRun[]> {
  const { runs } = await scanRuns(stateDir);
  const mine = runs.filter((r) => r.runbook === runbookId && r.cloud === cloud && r.mode === 'live' && r.runId !== self);
  const lastCompleted = mine.filter((r) => r.status === 'completed' || r.status === 'completed-held-back').reduce((t, r) => (r.createdAt > t ? r.createdAt : t), '');
  return mine
    .filter((r) => r.status === 'abandoned' && r.createdAt >= lastCompleted)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .map((r) => {
      const dir = join(stateDir, 'runs', r.runId, 'artifacts');
      const safe = (name: string) => join(dir, name.replace(/[^A-Za-z0-9._-]/g, '_'));
      return {
        runId: r.runId,
        abandonedAt: r.abandoned?.at ?? r.updatedAt,
        scope: describeScope(r.scope),
        steps: Object.fromEntries(Object.entries(r.steps).map(([id, s]) => [id, s.status])),
        artifacts: { dir, read: (name: string) => readIfExists(safe(name)), exists: (name: string) => fileExists(safe(name)) },
      };
    });
}

interface UnfinishedWhere {
  stateDir: string;
  cloud: string;
  runbook: Runbook;
}

/** Refuses while an unfinished mutating run of this runbook exists, or abandons them when asked to. */
export async function settleUnfinished(
  where: UnfinishedWhere & { abandon: boolean; redactor: Redactor },
  lock: RunLock,
  bus: EventBus,
  me: { operator: string; host: string; runId: string },
): Promise<void> {
  const found = await findUnfinished(where.stateDir, where.runbook, where.cloud);
  if (found.runs.length === 0 && found.damaged.length === 0) return;
  if (!where.abandon || found.damaged.length > 0) throw unfinishedRefusal(where.runbook.id, where.cloud, found);
  for (const run of found.runs) {
    const other = await RunStore.open(where.stateDir, run.runId);
    await abandonRun(other, lock, where.redactor, { by: `run --abandon-unfinished, replaced by ${me.runId}`, reason: 'abandoned to start a new run', operator: me.operator, host: me.host });
    bus.emit({ type: 'note', step: null, level: 'warn', message: `abandoned unfinished run ${run.runId} (${run.status}, ${describeScope(run.scope)}); its transcript records it` });
  }
}

/** A dry-run plans against a cloud that an unfinished run left half-changed: say so on the plan. */
export async function warnOfUnfinished(where: UnfinishedWhere, bus: EventBus): Promise<void> {
  const found = await findUnfinished(where.stateDir, where.runbook, where.cloud);
  if (found.runs.length === 0 && found.damaged.length === 0) return;
  const refusal = unfinishedRefusal(where.runbook.id, where.cloud, found);
  bus.emit({ type: 'note', step: null, level: 'warn', message: `a live run would be refused now: ${refusal.message} — ${refusal.hint}` });
}
