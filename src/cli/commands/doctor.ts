// `novaops doctor`: every dependency of a run checked on its own, each with a one-line verdict
// and, when it fails, what to do. Read-only.
import { configSecrets, type NovaopsConfig } from '../../config/types.js';
import { createEffects } from '../../effects/create-effects.js';
import { messageOf } from '../../engine/execute-operation.js';
import { Redactor } from '../../engine/redact.js';
import { openConfig } from '../cloud-session.js';
import { doctorChecks } from '../doctor-checks.js';

export async function doctorCommand(configPath: string | undefined): Promise<void> {
  let config: NovaopsConfig;
  try {
    config = await openConfig(configPath);
  } catch (error) {
    const hint = (error as { hint?: string }).hint;
    process.stdout.write(`FAIL config — ${messageOf(error)}\n     -> ${hint ?? 'write a config file (see README) or set OS_CLOUD'}\n`);
    process.exitCode = 2;
    return;
  }
  const redactor = new Redactor(configSecrets(config));
  const effects = createEffects(config);
  let failures = 0;
  try {
    process.stdout.write(`ok   config — ${config.source}; cloud "${config.cloudName}"; credentials from ${config.cloud.source}; state in ${config.stateDir}\n`);
    for (const check of doctorChecks(config, effects)) {
      try {
        const detail = await check.run();
        process.stdout.write(redactor.redact(`ok   ${check.name} — ${detail}\n`));
      } catch (error) {
        failures += 1;
        process.stdout.write(redactor.redact(`FAIL ${check.name} — ${messageOf(error)}\n     -> ${check.fix}\n`));
      }
    }
  } finally {
    await effects.close();
  }
  process.stdout.write(failures === 0 ? 'all checks passed\n' : `${failures} check(s) failed\n`);
  process.exitCode = failures === 0 ? 0 : 2;
}

