// `novaops doctor`: every dependency of a run checked on its own, each with a one-line verdict
// and, when it fails, what to do. Read-only.
import { configSecrets, type NovaopsConfig } from '../../config/types.js';
import { createEffects } from '../../effects/create-effects.js';
import type { Effects } from '../../effects/types.js';
import { messageOf } from '../../engine/execute-operation.js';
import { Redactor } from '../../engine/redact.js';
import { NO_ACTIVE_SESSIONS } from '../../operations/iscsi-sessions.js';
import { openConfig } from '../cloud-session.js';

interface Check {
  name: string;
  run(): Promise<string>;
  fix: string;
}

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
    for (const check of checks(config, effects)) {
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

function checks(config: NovaopsConfig, effects: Effects): Check[] {
  const list: Check[] = (['nova', 'cinder'] as const).map((db) => ({
    name: `${db} database`,
    fix: `check [database] connection in ${config.databases[db].source}, and that ${config.databases[db].host}:${config.databases[db].port} accepts ${config.databases[db].user}`,
    async run() {
      const columns = await effects.sql.columns(db);
      const c = config.databases[db];
      return `${c.user}@${c.host}:${c.port}/${c.database}, ${columns.size} table(s) (${c.source})`;
    },
  }));
  list.push({
    name: 'OpenStack API',
    fix: `check the credentials (${config.cloud.source}) and that ${config.cloud.authUrl} answers`,
    async run() {
      const identity = await effects.openstack.identity();
      const missing = ['compute', 'volumev3'].filter((s) => !identity.endpoints[s]);
      if (missing.length) throw new Error(`authenticated, but the catalog has no ${missing.join(', ')} endpoint`);
      return `authenticated as ${config.cloud.username} at ${config.cloud.authUrl}; compute ${identity.endpoints.compute}, volumev3 ${identity.endpoints.volumev3}`;
    },
  });
  for (const host of Object.keys(config.hosts)) {
    list.push({
      name: `host ${host}`,
      fix: `check hosts.${host} in the config (ssh reachability, strict host key in known_hosts) and that iscsiadm is installed there`,
      async run() {
        const result = await effects.hosts.run(host, ['iscsiadm', '-m', 'session'], { timeoutMs: 15_000 });
        if (result.exitCode !== 0 && result.exitCode !== NO_ACTIVE_SESSIONS) throw new Error(`iscsiadm -m session exited ${result.exitCode}: ${result.stderr.trim()}`);
        const sessions = result.stdout.split('\n').filter((l) => l.trim()).length;
        return `iscsiadm answers (${sessions} session(s))`;
      },
    });
  }
  return list;
}
