// The checks behind `novaops doctor` and the TUI's health line: each one read-only, with a
// one-line verdict and, when it fails, what to do.
import type { NovaopsConfig } from '../config/types.js';
import type { Effects } from '../effects/types.js';
import { NO_ACTIVE_SESSIONS } from '../operations/iscsi-sessions.js';

export interface DoctorCheck {
  name: string;
  /** Resolves to the verdict's detail; throws when the check fails. */
  run(): Promise<string>;
  fix: string;
}

export function doctorChecks(config: NovaopsConfig, effects: Effects): DoctorCheck[] {
  const list: DoctorCheck[] = (['nova', 'cinder'] as const).map((db) => ({
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
