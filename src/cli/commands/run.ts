// `novaops run <runbook>`: validate everything first (exit 2, nothing changed), then run.
import { z } from 'zod';
import { UsageError } from '../../engine/errors.js';
import type { Runbook } from '../../engine/runbook.js';
import { startRun } from '../../engine/runner.js';
import { checkTestInstanceRef } from '../../../runbooks/lib/test-instance.js';
import { driveRun } from '../drive-run.js';
import type { RunFlags } from '../main.js';

export async function runCommand(runbook: Runbook, flags: RunFlags, configPath: string | undefined): Promise<void> {
  const params = parseParams(runbook, flags);
  if (flags.testInstance !== undefined) checkTestInstanceRef(flags.testInstance);
  const mode = flags.dryRun ? 'dry-run' : 'live';
  await driveRun(configPath, flags, (deps) => startRun({ runbook, params, mode, testInstance: flags.testInstance, abandonUnfinished: !!flags.abandonUnfinished }, deps));
}

function parseParams(runbook: Runbook, flags: RunFlags): unknown {
  const raw: Record<string, unknown> = {};
  for (const option of runbook.options) if (flags[option.key] !== undefined) raw[option.key] = flags[option.key];
  try {
    return runbook.params.parse(raw);
  } catch (error) {
    const detail = error instanceof z.ZodError ? error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ') : String(error);
    throw new UsageError(`invalid options for ${runbook.id}: ${detail}`, `novaops show ${runbook.id} lists its options`);
  }
}
