// `novaops resume [run-id]`: continue an interrupted or failed live run with its original
// runbook, params and scope; items already done are skipped, ambiguous ones resolved by reading.
// Nothing here writes the run's directory: the engine does, once it holds the lock.
import { checkRunId } from '../../engine/run-store.js';
import { openConfig } from '../cloud-session.js';
import { driveRun } from '../drive-run.js';
import { prepareResume } from '../run-service.js';

export async function resumeCommand(runId: string | undefined, flags: { yes?: boolean; json?: boolean; plain?: boolean }, configPath: string | undefined): Promise<void> {
  if (runId !== undefined) checkRunId(runId);
  const config = await openConfig(configPath);
  await driveRun(config, flags, await prepareResume(config, runId));
}
