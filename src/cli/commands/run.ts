// `novaops run <runbook>`: validate everything first (exit 2, nothing changed), then run.
import { z } from 'zod';
import { UsageError } from '../../engine/errors.js';
import type { EventBus } from '../../engine/events.js';
import type { Redactor } from '../../engine/redact.js';
import type { Runbook } from '../../engine/runbook.js';
import { startRun } from '../../engine/runner.js';
import { checkTestInstanceRef } from '../../../runbooks/lib/test-instance.js';
import { openCloudSession } from '../cloud-session.js';
import type { RunFlags } from '../main.js';
import { attachJsonPresenter } from '../presenters/json.js';
import { attachPlainPresenter } from '../presenters/plain.js';
import { choosePrompter } from '../prompters.js';
import { withInterrupt } from '../interrupt.js';
import { describeError } from '../fail.js';

export async function runCommand(runbook: Runbook, flags: RunFlags, configPath: string | undefined): Promise<void> {
  const params = parseParams(runbook, flags);
  if (flags.testInstance !== undefined) checkTestInstanceRef(flags.testInstance);
  const session = await openCloudSession(configPath);
  try {
    const result = await withInterrupt((stop) => startRun(
      { runbook, params, mode: flags.dryRun ? 'dry-run' : 'live', testInstance: flags.testInstance },
      {
        config: session.config,
        effects: session.effects,
        redactor: session.redactor,
        prompter: choosePrompter({ yes: !!flags.yes, interactive: !!process.stdin.isTTY && !flags.json }),
        onBus: (bus) => attachPresenter(bus, session.redactor, !!flags.json),
        stop,
      },
    ));
    // Bad input or a refusal found inside the run (unknown --test-instance, unknown schema, no one
    // to confirm): the presenter showed it as the run's end; stderr gets it with what to do.
    if (result.error) process.stderr.write(`${session.redactor.redact(describeError(result.error))}\n`);
    process.exitCode = result.exitCode;
  } finally {
    await session.close();
  }
}

export function attachPresenter(bus: EventBus, redactor: Redactor, json: boolean): void {
  const write = (text: string) => process.stdout.write(text);
  if (json) attachJsonPresenter(bus, redactor, write);
  else attachPlainPresenter(bus, redactor, write);
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
