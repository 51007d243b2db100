// What `novaops run` and the TUI's runbook page both turn into a run request: the runbook's
// params checked by its own schema, and the rehearsal target checked for its form, before
// anything is read (exit 2, nothing changed).
import { z } from 'zod';
import { UsageError } from '../engine/errors.js';
import type { Runbook } from '../engine/runbook.js';
import { checkTestInstanceRef } from '../../runbooks/lib/test-instance.js';
import { parseHostName } from '../values/validate.js';

export function parseParams(runbook: Runbook, values: Record<string, unknown>): unknown {
  const raw: Record<string, unknown> = {};
  for (const spec of [...runbook.options, ...(runbook.arguments ?? [])]) if (values[spec.key] !== undefined) raw[spec.key] = values[spec.key];
  try {
    return runbook.params.parse(raw);
  } catch (error) {
    const detail = error instanceof z.ZodError ? error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ') : String(error);
    throw new UsageError(`invalid options for ${runbook.id}: ${detail}`, `novaops show ${runbook.id} lists its options`);
  }
}

/** The rehearsal target, checked for its form before anything is read (a host name, a uuid or name). */
export function testScopeRef(flags: { testInstance?: string; testHost?: string }): string | undefined {
  if (flags.testInstance !== undefined) checkTestInstanceRef(flags.testInstance);
  if (flags.testHost !== undefined) parseHostName(flags.testHost, '--test-host');
  return flags.testInstance ?? flags.testHost;
}
