// `novaops run <runbook>`: validate everything first (exit 2, nothing changed), then run.
import type { Runbook } from '../../engine/runbook.js';
import { openConfig } from '../cloud-session.js';
import { driveRun } from '../drive-run.js';
import { prepareStart } from '../run-service.js';
import type { RunFlags } from '../run-flags.js';

export async function runCommand(runbook: Runbook, flags: RunFlags, configPath: string | undefined): Promise<void> {
  const run = await prepareStart({
    runbook,
    values: flags,
    mode: flags.dryRun ? 'dry-run' : 'live',
    testScope: flags.testInstance ?? flags.testHost,
    abandonUnfinished: flags.abandonUnfinished,
  });
  await driveRun(await openConfig(configPath), flags, run);
}
