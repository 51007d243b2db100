// `novaops lab up`: database (private mariadbd or a shared server with a unique prefix),
// schemas and lab user, config files, simulated hosts, and the API simulator.
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCloudsYaml, writeNovaopsYaml, writeServiceConf } from './conf-files.js';
import { writeCellMappings } from './cell-mappings.js';
import { cellSchemas } from './cells.js';
import { adminConnection, provisionDatabases } from './db-provision.js';
import { assertLoopback, parseDbUrl, type DbServer } from './db-url.js';
import { freeLoopbackPort } from './free-port.js';
import { createHost } from './hosts.js';
import { writeLabInfo } from './lab-info-file.js';
import type { FaultSpec } from './faults/plan.js';
import { hostNames, labDir, labPaths } from './paths.js';
import { findMariadbd, startPrivateMariadb } from './private-mariadb.js';
import { randomHex, randomPassword } from './random.js';
import { startSimulator, type SimulatorHandle } from './simulator/server.js';
import { DEFAULT_SETTINGS, LAB_CLOUD_NAME, type LabFlavour, type LabInfo, type SimSettings } from './types.js';

export interface LabUpOptions {
  stateDir: string;
  hosts?: number;
  flavour?: LabFlavour;
  /** mysql://root:@127.0.0.1:3306 style URL of an existing server: used with a unique schema prefix. */
  dbServer?: string;
  prefix?: string;
  simulator?: 'daemon' | 'in-process';
  settings?: Partial<SimSettings>;
  /** The fault plan the simulator starts with; `lab faults` changes it later. */
  faults?: FaultSpec;
  /**
   * Route novaops's database connections through the simulator's MySQL proxy, where database
   * faults are injected. Implied by `faults`. Without it the lab's config points at MariaDB itself
   * (an API outage then leaves the database reachable, as on a real cloud).
   */
  dbProxy?: boolean;
}

export interface LabUpResult extends LabInfo {
  /** Present with simulator 'in-process': stops the simulator in this process. */
  simulatorHandle?: SimulatorHandle;
}

export async function labUp(opts: LabUpOptions): Promise<LabUpResult> {
  const dir = labDir(opts.stateDir);
  const p = labPaths(dir);
  if (existsSync(p.labJson)) throw new Error(`a lab already exists in ${dir} (novaops lab down --wipe first)`);
  await mkdir(dir, { recursive: true, mode: 0o750 });
  const flavour = opts.flavour ?? 'modern';
  const hosts = hostNames(opts.hosts ?? 3);
  const settings: SimSettings = { ...DEFAULT_SETTINGS, ...opts.settings };

  const shared = opts.dbServer ?? process.env.NOVAOPS_LAB_DB;
  const mariadbd = shared ? undefined : findMariadbd();
  if (!shared && !mariadbd) {
    throw new Error('no database: install mariadb-server (mariadbd) or set NOVAOPS_LAB_DB=mysql://root:@127.0.0.1:3306');
  }
  let admin: DbServer;
  let dbInfo: LabInfo['db'];
  const labUser = `nl_${randomHex(4)}`;
  if (shared) {
    admin = parseDbUrl(shared);
    assertLoopback(admin.host);
    const prefix = opts.prefix ?? `nl_${randomHex(3)}_`;
    dbInfo = {
      host: admin.host,
      port: admin.port,
      user: labUser,
      schemas: cellsV2Schemas(prefix),
      private: false,
      prefix,
    };
  } else {
    const server = await startPrivateMariadb(dir, mariadbd!);
    admin = { host: '127.0.0.1', port: server.port, user: 'root', password: '' };
    dbInfo = {
      host: '127.0.0.1',
      port: server.port,
      user: labUser,
      schemas: cellsV2Schemas(''),
      private: true,
      pid: server.pid,
      dataDir: server.dataDir,
      prefix: '',
    };
  }

  const dbPassword = randomPassword();
  const conn = await adminConnection(admin);
  try {
    const s = dbInfo.schemas as Required<LabInfo['db']['schemas']>;
    await provisionDatabases(conn, { schemas: s, user: labUser, password: dbPassword, flavour });
    // A deployed cloud has cell0 and cell1 mapped before any compute starts.
    await writeCellMappings(conn, cellSchemas({ dir, db: dbInfo }), { host: dbInfo.host, port: dbInfo.port, user: labUser, password: dbPassword }, 1);
  } finally {
    await conn.end();
  }
  const common = { host: dbInfo.host, port: dbInfo.port, user: labUser, password: dbPassword };
  // A nova-volume cloud predates cells v2: its nova.conf names no API database, so novaops reads
  // it as one unmapped cell (the simulator still routes through the lab's mapping tables).
  const api = flavour === 'modern' ? { database: dbInfo.schemas.novaApi! } : undefined;
  await writeServiceConf(p.novaConf, 'nova', { ...common, database: dbInfo.schemas.nova }, api);
  await writeServiceConf(p.cinderConf, 'cinder', { ...common, database: dbInfo.schemas.cinder });
  await writeServiceConf(p.placementConf, 'placement', { ...common, database: dbInfo.schemas.placement! });
  const proxied = opts.dbProxy || opts.faults !== undefined;
  if (proxied) {
    dbInfo.proxyPort = await freeLoopbackPort();
    const viaProxy = { ...common, host: '127.0.0.1', port: dbInfo.proxyPort };
    await mkdir(path.dirname(p.proxiedNovaConf), { recursive: true });
    await writeServiceConf(p.proxiedNovaConf, 'nova', { ...viaProxy, database: dbInfo.schemas.nova }, api);
    await writeServiceConf(p.proxiedCinderConf, 'cinder', { ...viaProxy, database: dbInfo.schemas.cinder });
  }

  const mode = opts.simulator ?? 'daemon';
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}`;
  const authUrl = `${url}/identity/v3`;
  await writeCloudsYaml(p.cloudsYaml, { authUrl, username: 'admin', password: randomPassword() });
  for (const h of hosts) await createHost(dir, h);
  await writeNovaopsYaml(dir, hosts, proxied ? { nova: p.proxiedNovaConf, cinder: p.proxiedCinderConf } : undefined);

  const info: LabInfo = {
    dir,
    flavour,
    db: dbInfo,
    api: { url, authUrl },
    cloudsYaml: p.cloudsYaml,
    cloudName: LAB_CLOUD_NAME,
    novaConf: p.novaConf,
    cinderConf: p.cinderConf,
    placementConf: p.placementConf,
    configFile: p.configFile,
    hosts,
    settings,
    ...(opts.faults ? { faults: opts.faults } : {}),
  };
  await writeLabInfo(info);

  if (mode === 'in-process') {
    const handle = await startSimulator({ info, port });
    return { ...info, simulatorHandle: handle };
  }
  info.api.pid = await spawnSimulatorDaemon(dir);
  await waitForApi(url, info.api.pid, p.simulatorLog);
  await writeLabInfo(info);
  return info;
}

/** Every schema of a lab: `nova` is cell1's database; cells v2 adds nova_api, cell0 and cell2. */
function cellsV2Schemas(prefix: string): Required<LabInfo['db']['schemas']> {
  return {
    nova: `${prefix}nova`,
    novaApi: `${prefix}nova_api`,
    novaCell0: `${prefix}nova_cell0`,
    novaCell2: `${prefix}nova_cell2`,
    cinder: `${prefix}cinder`,
    placement: `${prefix}placement`,
  };
}

/**
 * The daemon's entry, beside this module rather than in a checkout: dist/src/lab/ as tsc writes it.
 * A one-file bundle of the CLI builds the daemon as a second entry next to itself (dist/simulator-main.js),
 * which this same URL finds.
 */
function simulatorEntry(): string {
  return fileURLToPath(new URL('./simulator-main.js', import.meta.url));
}

async function spawnSimulatorDaemon(dir: string): Promise<number> {
  const entry = simulatorEntry();
  if (!existsSync(entry)) throw new Error(`simulator not built: ${entry} missing (run npm run build)`);
  const log = openSync(labPaths(dir).simulatorLog, 'a');
  const child = spawn(process.execPath, [entry, '--lab-dir', dir], { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  if (!child.pid) throw new Error('simulator did not start');
  return child.pid;
}

export async function waitForApi(url: string, pid: number | undefined, logFile: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`${url}/_lab/health`);
      if (r.ok) return;
    } catch {
      /* not listening yet */
    }
    if (pid !== undefined) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`API simulator did not answer on ${url}; see ${logFile}`);
}
