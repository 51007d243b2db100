// Which runs may resume, decided here and nowhere else: the runner checks it before it takes the
// lock, and `novaops resume` and the session's resume ask the same question before they open the
// cloud, so the operator reads one refusal whichever way they came.
import { UsageError } from './errors.js';
import { FINAL_STATUSES, type RunState } from './run-state.js';
import { scanRuns } from './run-store.js';

/** A live run that stopped before its end (interrupted, failed, aborted, blocked): resume finishes it. */
export function isResumable(run: Pick<RunState, 'mode' | 'status'>): boolean {
  return run.mode === 'live' && !FINAL_STATUSES.has(run.status);
}

/** Throws, as bad input (exit 2, nothing changed), when `state` may not resume on the config's cloud. */
export function checkResumable(state: RunState, cloud: string): void {
  if (state.mode !== 'live') {
    throw new UsageError(`run ${state.runId} was a dry-run; there is nothing to resume`, `start a live run with novaops run ${state.runbook}`);
  }
  if (!isResumable(state)) {
    throw new UsageError(`run ${state.runId} ended ${state.status}; only interrupted, failed, aborted or blocked live runs resume`, `novaops transcripts show ${state.runId}`);
  }
  if (state.cloud !== cloud) {
    throw new UsageError(
      `run ${state.runId} was on cloud "${state.cloud}", but the config names cloud "${cloud}"`,
      `resume it with the config of cloud "${state.cloud}" (--config or NOVAOPS_CONFIG)`,
    );
  }
}

/** `novaops resume` without a run id: the newest resumable run on this cloud. */
export async function latestResumable(stateDir: string, cloud: string): Promise<string> {
  const { runs, damaged } = await scanRuns(stateDir);
  const resumable = runs.filter((r) => r.cloud === cloud && isResumable(r));
  const latest = resumable.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).pop();
  if (!latest) {
    const also = damaged.length ? ` (${damaged.length} damaged run director${damaged.length === 1 ? 'y' : 'ies'} skipped: ${damaged.map((d) => d.runId).join(', ')})` : '';
    throw new UsageError(`no interrupted or failed run on cloud "${cloud}" to resume${also}`, 'novaops transcripts list shows the recorded runs');
  }
  return latest.runId;
}
