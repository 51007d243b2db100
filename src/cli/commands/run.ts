// `novaops run <runbook>`: validate everything first (exit 2, nothing changed), then run.
import { z } from 'zod';
import { UsageError } from '../../engine/errors.js';
import type { Runbook } from '../../engine/runbook.js';
import { startRun } from '../../engine/runner.js';
import { checkTestInstanceRef } from '../../../runbooks/lib/test-instance.js';
import { parseHostName } from '../../config/validate.js';
import { driveRun } from '../drive-run.js';
import type { RunFlags } from '../main.js';

export async function runCommand(runbook: Runbook, flags: RunFlags, configPath: string | undefined): Promise<void> {
  const params = parseParams(runbook, flags);
  const testScope = testScopeRef(flags);
  const mode = flags.dryRun ? 'dry-run' : 'live';
  await driveRun(configPath, flags, (deps) => startRun({ runbook, params, mode, testScope, abandonUnfinished: !!flags.abandonUnfinished }, deps));
}

/** The rehearsal target, checked for its form before anything is read (a host name, a uuid or name). */
function testScopeRef(flags: RunFlags): string | undefined {
  if (flags.testInstance !== undefined) checkTestInstanceRef(flags.testInstance);
  if (flags.testHost !== undefined) parseHostName(flags.testHost, '--test-host');
  return flags.testInstance ?? flags.testHost;
}

function parseParams(runbook: Runbook, flags: RunFlags): unknown {
  const raw: Record<string, unknown> = {};
  for (const spec of [...runbook.options, ...(runbook.arguments ?? [])]) if (flags[spec.key] !== undefined) raw[spec.key] = flags[spec.key];
  try {
    return runbook.params.parse(raw);
  } catch (error) {
    const detail = error instanceof z.ZodError ? error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ') : String(error);
    throw new UsageError(`invalid options for ${runbook.id}: ${detail}`, `novaops show ${runbook.id} lists its options`);
  }
}
