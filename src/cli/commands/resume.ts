// `novaops resume [run-id]`: continue an interrupted or failed live run with its original
// runbook, params and scope; items already done are skipped, ambiguous ones resolved by reading.
// Nothing here writes the run's directory: the engine does, once it holds the lock.
import { UsageError } from '../../engine/errors.js';
import { FINAL_STATUSES } from '../../engine/run-state.js';
import { checkRunId, RunStore, scanRuns } from '../../engine/run-store.js';
import { resumeRun } from '../../engine/runner.js';
import { loadRunbook } from '../../../runbooks/index.js';
import { openConfig } from '../cloud-session.js';
import { driveRun } from '../drive-run.js';

export async function resumeCommand(runId: string | undefined, flags: { yes?: boolean; json?: boolean; plain?: boolean }, configPath: string | undefined): Promise<void> {
  if (runId !== undefined) checkRunId(runId);
  const config = await openConfig(configPath);
  const id = runId ?? (await latestResumable(config.stateDir, config.cloudName));
  const store = await RunStore.open(config.stateDir, id);
  if (store.state.mode !== 'live' || FINAL_STATUSES.has(store.state.status)) {
    throw new UsageError(`run ${id} ended ${store.state.status}${store.state.mode === 'dry-run' ? ' (a dry-run)' : ''}; only interrupted, failed, aborted or blocked live runs resume`, `novaops transcripts show ${id}`);
  }
  const runbook = await loadRunbook(store.state.runbook);
  if (!runbook) throw new UsageError(`run ${id} used runbook '${store.state.runbook}', which this novaops does not have`);
  await driveRun(configPath, flags, (deps) => resumeRun(runbook, store, deps), { mode: 'live', steps: runbook.steps.map((s) => ({ id: s.id, title: s.title })) });
}

async function latestResumable(stateDir: string, cloud: string): Promise<string> {
  const { runs, damaged } = await scanRuns(stateDir);
  const resumable = runs.filter((r) => r.mode === 'live' && r.cloud === cloud && !FINAL_STATUSES.has(r.status));
  const latest = resumable.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).pop();
  if (!latest) {
    const also = damaged.length ? ` (${damaged.length} damaged run director${damaged.length === 1 ? 'y' : 'ies'} skipped: ${damaged.map((d) => d.runId).join(', ')})` : '';
    throw new UsageError(`no interrupted or failed run on cloud "${cloud}" to resume${also}`, 'novaops transcripts list shows the recorded runs');
  }
  return latest.runId;
}
