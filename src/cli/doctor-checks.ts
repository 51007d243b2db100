// The checks behind `novaops doctor` and the TUI's health line: each one read-only, with a
// one-line verdict and, when it fails, what to do.
import pLimit from 'p-limit';
import type { HostSpec, NovaopsConfig } from '../config/types.js';
import { classifySshFailure } from '../effects/hosts/ssh-failure.js';
import type { Effects } from '../effects/types.js';
import { NO_ACTIVE_SESSIONS, parseSessions } from '../operations/iscsi-sessions.js';
import { cellChecks, cellsSummaryCheck } from './doctor-cells.js';
import { CheckFailure, type DoctorCheck } from './doctor-check.js';

/** Hosts probed at once: each probe is one ssh connection (then reused by nothing: doctor ends). */
const HOST_CONCURRENCY = 8;
const HOST_TIMEOUT_MS = 15_000;
const COMMAND_NOT_FOUND = 127;

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
  list.push(cellsSummaryCheck(config, effects));
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
  const limit = pLimit(HOST_CONCURRENCY);
  const configured = Object.keys(config.hosts);
  if (configured.length > 0) {
    list.push(...configured.map((host) => hostCheck(host, effects, limit, `hosts.${host} in the config`)));
  } else {
    list.push(discoveredHostsSummary(effects, limit));
  }
  return list;
}

/**
 * What `novaops doctor` prints: the checks above, with one line per compute host also when the
 * hosts come from the Compute API (the TUI's health line keeps their one-line summary).
 */
export async function allDoctorChecks(config: NovaopsConfig, effects: Effects): Promise<DoctorCheck[]> {
  const base = await withCellLines(doctorChecks(config, effects), config, effects);
  if (Object.keys(config.hosts).length > 0) return base;
  const found = await effects.hosts.discover();
  const limit = pLimit(HOST_CONCURRENCY);
  const listing: DoctorCheck = {
    name: 'compute hosts',
    fix: 'novaops lists them with GET /os-hypervisors/detail (admin); or name them under hosts: in the config',
    async run() {
      if (found.error) throw new Error(`none named under hosts:, and the Compute API could not list them: ${found.error}`);
      const names = Object.keys(found.hosts);
      if (names.length === 0) throw new Error(`none named under hosts:, and the Compute API lists no usable hypervisor${found.skipped.length ? ` (${found.skipped.join('; ')})` : ''}`);
      return `${names.length} from the Compute API (service host at host_ip, ssh settings from ssh: in the config)${found.skipped.length ? `; left out: ${found.skipped.join('; ')}` : ''}`;
    },
  };
  return [...base.filter((c) => c.name !== 'compute hosts'), listing, ...Object.keys(found.hosts).map((h) => hostCheck(h, effects, limit, 'ssh: in the config (hosts from the Compute API)'))];
}

/** doctor prints one line per cell where the health line has its summary. */
async function withCellLines(checks: DoctorCheck[], config: NovaopsConfig, effects: Effects): Promise<DoctorCheck[]> {
  const at = checks.findIndex((c) => c.name === 'cells');
  return [...checks.slice(0, at), ...(await cellChecks(config, effects)), ...checks.slice(at + 1)];
}

function discoveredHostsSummary(effects: Effects, limit: ReturnType<typeof pLimit>): DoctorCheck {
  return {
    name: 'compute hosts',
    fix: 'run novaops doctor for one line per host',
    async run() {
      const found = await effects.hosts.discover();
      if (found.error) throw new Error(`none named under hosts:, and the Compute API could not list them: ${found.error}`);
      const names = Object.keys(found.hosts);
      const results = await Promise.all(names.map((h) => probeHost(h, effects, limit).then(() => null, () => h)));
      const down = results.filter((h): h is string => h !== null);
      if (down.length) throw new Error(`${down.length} of ${names.length} compute host(s) not usable: ${down.join(', ')}`);
      return `${names.length} compute host(s) from the Compute API, each reachable with iscsiadm answering`;
    },
  };
}

function hostCheck(host: string, effects: Effects, limit: ReturnType<typeof pLimit>, where: string): DoctorCheck {
  // Started when the first check is asked for, so that every host is probed at once (bounded).
  let probe: Promise<string> | undefined;
  return {
    name: `host ${host}`,
    fix: `check ${where}: ssh reachability, the host key in known_hosts, and that iscsiadm is installed there`,
    run: () => (probe ??= probeHost(host, effects, limit)),
  };
}

/** One ssh connection: iscsiadm -m session. Its answer proves the host key, the login and the tool. */
async function probeHost(host: string, effects: Effects, limit: ReturnType<typeof pLimit>): Promise<string> {
  const spec = effects.hosts.spec(host);
  const result = await limit(() => effects.hosts.run(host, ['iscsiadm', '-m', 'session'], { timeoutMs: HOST_TIMEOUT_MS }));
  const how = reachedAs(spec);
  if (spec?.via === 'ssh') {
    const failure = classifySshFailure(result.exitCode, result.stderr, spec);
    // Through a bastion, the first words say which hop failed: the bastion, or the host behind it.
    const hop = failure?.hop === 'bastion' ? 'bastion: ' : failure?.hop === 'host' ? 'host, behind the bastion: ' : '';
    if (failure) throw new CheckFailure(`${hop}${failure.kind} (${how}): ${failure.detail}`, failure.fix);
  }
  if (result.exitCode === COMMAND_NOT_FOUND) {
    throw new CheckFailure(`${how}, but iscsiadm is not installed there (exit 127)`, `install open-iscsi on ${host} (apt-get install open-iscsi / dnf install iscsi-initiator-utils)`);
  }
  if (result.exitCode !== 0 && result.exitCode !== NO_ACTIVE_SESSIONS) {
    throw new Error(`iscsiadm -m session exited ${result.exitCode} (${how}): ${result.stderr.trim().split('\n').pop() ?? ''}`);
  }
  const sessions = result.exitCode === NO_ACTIVE_SESSIONS ? 0 : parseSessions(result.stdout).length;
  const reached = spec?.via === 'ssh' ? `reachable over ssh (${how}), key matches ${spec.knownHostsFile ?? 'known_hosts'}` : how;
  return `${reached}; iscsiadm answers (${sessions} session${sessions === 1 ? '' : 's'})`;
}

function reachedAs(spec: HostSpec | undefined): string {
  if (!spec) return 'unknown host';
  if (spec.via === 'local') return 'local';
  const via = spec.jump ? ` via bastion ${spec.jump.user}@${spec.jump.address}:${spec.jump.port}` : '';
  return `${spec.user}@${spec.address}:${spec.port}${via}`;
}
