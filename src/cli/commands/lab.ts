// `novaops lab ...`: the practice cloud.
import { resolveStateDir } from '../../config/load-config.js';
import { UsageError } from '../../engine/errors.js';
import { applyScenario, findScenario, LAB_RELEASES, labDown, labFaults, labStatus, labUp, optionAttribute, SCENARIOS, type LabRelease } from '../../lab/index.js';
import { describeFaults, faultSpecFromFlags } from './lab-faults.js';

function positiveInt(value: string | boolean | undefined, flag: string, min = 0): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag}: '${String(value)}' is not a whole number >= ${min}`);
  return n;
}

export async function labUpCommand(flags: Record<string, string>): Promise<void> {
  if (flags.flavour !== 'modern' && flags.flavour !== 'nova-volume') {
    throw new UsageError(`--flavour: '${flags.flavour}' is not a flavour the lab builds`, 'use modern or nova-volume');
  }
  const release = flags.release ?? 'zed';
  if (!LAB_RELEASES.includes(release as LabRelease)) {
    throw new UsageError(`--release: '${release}' is not a release the lab answers as`, `use ${LAB_RELEASES.join(' or ')}`);
  }
  const stateDir = resolveStateDir(process.env);
  const existing = await labStatus({ stateDir }).catch(() => null);
  if (existing) {
    if (existing.live.dbReachable && existing.live.apiAnswering) {
      process.stdout.write(`lab already up: API ${existing.api.url}, config ${existing.configFile}\n`);
      return;
    }
    throw new UsageError(
      `a lab exists in ${existing.dir} but its ${existing.live.dbReachable ? 'API simulator' : 'database'} is not answering`,
      'novaops lab down --wipe, then novaops lab up',
    );
  }
  const faults = faultSpecFromFlags(
    { rate: flags.faultRate, seed: flags.faultSeed, kinds: flags.faultKinds, slowMs: flags.faultSlowMs },
    '--fault-',
  );
  const info = await labUp({
    stateDir,
    faults,
    dbProxy: !!flags.dbProxy,
    hosts: positiveInt(flags.hosts, '--hosts', 1),
    flavour: flags.flavour,
    settings: {
      latencyMs: positiveInt(flags.latencyMs, '--latency-ms'),
      rebootMs: positiveInt(flags.rebootMs, '--reboot-ms'),
      attachMs: positiveInt(flags.attachMs, '--attach-ms'),
      release: release as LabRelease,
      // Read when the command line offers them (--service-down-time-ms, --report-interval-ms, --evacuate-ms, --delete-ms).
      ...definedOnly({
        serviceDownTimeMs: optionalInt(flags.serviceDownTimeMs, '--service-down-time-ms', 100),
        reportIntervalMs: optionalInt(flags.reportIntervalMs, '--report-interval-ms', 50),
        evacuateMs: optionalInt(flags.evacuateMs, '--evacuate-ms'),
        deleteMs: optionalInt(flags.deleteMs, '--delete-ms'),
      }),
    },
  });
  process.stdout.write(
    [
      `lab up (answers as ${info.settings.release}): API ${info.api.url}, database ${info.db.host}:${info.db.port} (${info.db.private ? 'private mariadbd' : 'shared server'}), hosts ${info.hosts.join(', ')}`,
      `config: ${info.configFile} (used automatically while the lab is up, or export NOVAOPS_CONFIG=${info.configFile})`,
      ...(info.db.proxyPort !== undefined ? [`database proxy: novaops reaches the database through 127.0.0.1:${info.db.proxyPort} (lab faults)`] : []),
      ...(faults ? [describeFaults({ faults, injected: {}, dbProxy: true })] : []),
      `next: novaops lab scenario power-loss --instances 20 --volumes 30 (or failed-node, stuck-instance)`,
      '',
    ].join('\n'),
  );
}

export async function labDownCommand(flags: { wipe?: boolean }): Promise<void> {
  await labDown({ stateDir: resolveStateDir(process.env), wipe: !!flags.wipe });
  process.stdout.write(`lab down${flags.wipe ? ' (wiped)' : ''}\n`);
}

export async function labStatusCommand(flags: { json?: boolean }): Promise<void> {
  let status;
  try {
    status = await labStatus({ stateDir: resolveStateDir(process.env) });
  } catch {
    throw new UsageError('no lab here', 'novaops lab up starts one');
  }
  const info = status;
  const { dbReachable: dbUp, apiAnswering: apiUp } = status.live;
  const dbUrl = `mysql://${info.db.user}@${info.db.host}:${info.db.port}/${info.db.schemas.nova}`;
  // The plan in force lives in the simulator (lab faults changes it); lab.json's copy when it is down.
  // Asked even when the API check failed: at a high fault rate that check meets a fault itself.
  const faults = await labFaults({ stateDir: resolveStateDir(process.env) }).catch(() => undefined);
  const faultState = faults ?? { faults: info.faults ?? null, injected: {}, dbProxy: info.db.proxyPort !== undefined };
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ dbUrl, apiUrl: info.api.url, authUrl: info.api.authUrl, cloudsYaml: info.cloudsYaml, cloud: info.cloudName, config: info.configFile, schemas: info.db.schemas, hosts: info.hosts, cells: status.cells ?? null, dbUp, apiUp, faults: faultState.faults, faultsInjected: faultState.injected, dbProxyPort: info.db.proxyPort ?? null }, null, 2)}\n`,
    );
    return;
  }
  process.stdout.write(
    [
      `database ${dbUrl} — ${dbUp ? 'up' : `DOWN (${status.live.dbError ?? '?'})`}`,
      `API      ${info.api.url} — ${apiUp ? 'up' : `DOWN (${status.live.apiError ?? '?'})`}`,
      `clouds.yaml ${info.cloudsYaml} (cloud ${info.cloudName}); config ${info.configFile}`,
      `hosts    ${info.hosts.join(', ')}`,
      ...cellLines(status),
      describeFaults(faultState),
      '',
    ].join('\n'),
  );
}

/** One line per mapped cell: name, database, compute hosts, instances. */
function cellLines(status: Awaited<ReturnType<typeof labStatus>>): string[] {
  if (status.cellsError) return [`cells    unknown: ${status.cellsError}`];
  return (status.cells ?? []).map(
    (c) => `cell     ${c.name.padEnd(6)} ${c.schema} — ${c.hosts.length ? `hosts ${c.hosts.join(', ')}` : 'no hosts'}, ${c.instances} instance${c.instances === 1 ? '' : 's'}`,
  );
}

function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** An optional flag: absent stays undefined, present must be a whole number. */
function optionalInt(value: string | boolean | undefined, flag: string, min = 0): number | undefined {
  return value === undefined ? undefined : positiveInt(value, flag, min);
}

function optionalHost(value: string | boolean | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(value)) {
    throw new UsageError(`${flag}: '${String(value)}' is not a host name`);
  }
  return value;
}

/** `novaops lab scenario <name>`: the scenario's own options (its declaration), read from commander's flags. */
export async function labScenarioCommand(name: string, flags: Record<string, string | boolean>): Promise<void> {
  const scenario = findScenario(name);
  if (!scenario) throw new UsageError(`unknown scenario '${name}'`, `scenarios: ${SCENARIOS.join(', ')}`);
  const options: Record<string, unknown> = {};
  for (const option of scenario.options) {
    const value = flags[optionAttribute(option)] ?? option.default;
    const flag = option.flags.split(' ')[0];
    if (option.kind === 'switch') options[option.key] = !!value;
    else if (option.kind === 'host') options[option.key] = optionalHost(value, flag);
    else options[option.key] = optionalInt(value, flag, option.min);
  }
  const summary = await applyScenario(resolveStateDir(process.env), name, options);
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}
