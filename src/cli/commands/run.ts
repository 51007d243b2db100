// `novaops run <runbook>`: validate everything first (exit 2, nothing changed), then run.
import type { Runbook } from '../../engine/runbook.js';
import { startRun } from '../../engine/runner.js';
import { driveRun } from '../drive-run.js';
import { parseParams, testScopeRef } from '../run-request.js';
import type { RunFlags } from '../run-flags.js';

export async function runCommand(runbook: Runbook, flags: RunFlags, configPath: string | undefined): Promise<void> {
  const params = parseParams(runbook, flags);
  const testScope = testScopeRef(flags);
  const mode = flags.dryRun ? 'dry-run' : 'live';
  await driveRun(configPath, flags, (deps) => startRun({ runbook, params, mode, testScope, abandonUnfinished: !!flags.abandonUnfinished }, deps), { mode, steps: runbook.steps.map((s) => ({ id: s.id, title: s.title })) });
}
