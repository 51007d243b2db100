// `novaops resume [run-id]`: continue an interrupted or failed live run with its original
// runbook, params and scope; items already done are skipped, ambiguous ones resolved by reading.
import { UsageError } from '../../engine/errors.js';
import { listRuns, RunStore } from '../../engine/run-store.js';
import { resumeRun } from '../../engine/runner.js';
import { loadRunbook } from '../../../runbooks/index.js';
import { openConfig } from '../cloud-session.js';
import { driveRun } from '../drive-run.js';

const RESUMABLE = new Set(['running', 'failed', 'aborted', 'blocked']);

export async function resumeCommand(runId: string | undefined, flags: { yes?: boolean; json?: boolean }, configPath: string | undefined): Promise<void> {
  const config = await openConfig(configPath);
  const id = runId ?? (await latestResumable(config.stateDir));
  let store: RunStore;
  try {
    store = await RunStore.open(config.stateDir, id);
  } catch {
    throw new UsageError(`no run ${id} in ${config.stateDir}/runs`, 'novaops transcripts list shows the recorded runs');
  }
  if (!RESUMABLE.has(store.state.status)) {
    throw new UsageError(`run ${id} ended ${store.state.status}; only interrupted, failed, aborted or blocked live runs resume`);
  }
  const runbook = await loadRunbook(store.state.runbook);
  if (!runbook) throw new UsageError(`run ${id} used runbook '${store.state.runbook}', which this novaops does not have`);
  await driveRun(configPath, flags, (deps) => resumeRun(runbook, store, deps));
}

async function latestResumable(stateDir: string): Promise<string> {
  const runs = (await listRuns(stateDir)).filter((r) => r.mode === 'live' && RESUMABLE.has(r.status));
  const latest = runs.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).pop();
  if (!latest) throw new UsageError('no interrupted or failed run to resume', 'novaops transcripts list shows the recorded runs');
  return latest.runId;
}
