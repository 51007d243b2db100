// `novaops doctor`: every dependency of a run checked on its own, each with a one-line verdict
// and, when it fails, what to do. Read-only.
import { configSecrets, type NovaopsConfig } from '../../config/types.js';
import { createEffects } from '../../effects/create-effects.js';
import { messageOf } from '../../engine/execute-operation.js';
import { Redactor } from '../../engine/redact.js';
import { openConfig } from '../cloud-session.js';
import { CheckFailure } from '../doctor-check.js';
import { allDoctorChecks } from '../doctor-checks.js';

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
    const checks = await allDoctorChecks(config, effects);
    // All at once (the host probes bound themselves), printed in order as each answers.
    const verdicts = checks.map((check) => check.run().then((detail) => ({ detail }), (error: unknown) => ({ error })));
    for (const [i, check] of checks.entries()) {
      const v = await verdicts[i];
      if ('detail' in v) {
        process.stdout.write(redactor.redact(`ok   ${check.name} — ${v.detail}\n`));
      } else {
        failures += 1;
        const fix = v.error instanceof CheckFailure ? v.error.fix : check.fix;
        process.stdout.write(redactor.redact(`FAIL ${check.name} — ${messageOf(v.error)}\n     -> ${fix}\n`));
      }
    }
  } finally {
    await effects.close();
  }
  process.stdout.write(failures === 0 ? 'all checks passed\n' : `${failures} check(s) failed\n`);
  process.exitCode = failures === 0 ? 0 : 2;
}

