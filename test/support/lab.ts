// A throwaway lab per test file: unique schemas on the shared MariaDB, in-process simulator with
// fast timings, and helpers to inspect it. destroy() leaves nothing behind.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { applyScenario, labDown, labUp, startSimulator, type LabFlavour, type LabInfo, type ScenarioOptions, type ScenarioSummary, type SimSettings, type StatsSnapshot, type FaultSpec, parseDbUrl, type SimulatorHandle } from '../../src/lab/index.js';

export interface TestLabOptions {
  hosts?: number;
  flavour?: LabFlavour;
  settings?: Partial<SimSettings>;
  /** novaops's config reaches the database through the simulator's proxy (database faults). */
  dbProxy?: boolean;
}

export interface TestLab {
  stateDir: string;
  info: LabInfo;
  env: Record<string, string>;
  rootQuery<T = mysql.RowDataPacket[]>(sql: string, params?: unknown[]): Promise<T>;
  stats(): Promise<StatsSnapshot>;
  resetStats(): Promise<void>;
  setSettings(s: Partial<SimSettings>): Promise<SimSettings>;
  /** A fault plan for the running simulator (its streams start again from the seed); null: faults off. */
  setFaults(spec: Partial<FaultSpec> | null): Promise<void>;
  scenario(name: string, opts?: ScenarioOptions): Promise<ScenarioSummary>;
  /** Takes the API simulator down (an API outage) and brings it back on the same port. */
  stopApi(): Promise<void>;
  startApi(): Promise<void>;
  destroy(): Promise<void>;
}

export const LAB_DB_URL = process.env.NOVAOPS_LAB_DB ?? 'mysql://root@127.0.0.1:3306';

export async function createTestLab(opts: TestLabOptions = {}): Promise<TestLab> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'novaops-lab-test-'));
  const up = await labUp({
    stateDir,
    hosts: opts.hosts ?? 3,
    flavour: opts.flavour ?? 'modern',
    dbServer: LAB_DB_URL,
    simulator: 'in-process',
    dbProxy: opts.dbProxy,
    settings: { latencyMs: 0, rebootMs: 50, attachMs: 30, ...opts.settings },
  });
  const { simulatorHandle, ...info } = up;
  let sim = simulatorHandle as SimulatorHandle;
  const root = await mysql.createConnection({ ...parseDbUrl(LAB_DB_URL), database: undefined, timezone: 'Z' });
  const api = info.api.url;
  return {
    stateDir,
    info,
    env: { NOVAOPS_STATE_DIR: stateDir, NOVAOPS_CONFIG: info.configFile },
    rootQuery: async <T>(sql: string, params: unknown[] = []) => (await root.query(sql, params))[0] as T,
    stats: async () => (await (await fetch(`${api}/_lab/stats`)).json()) as StatsSnapshot,
    resetStats: async () => {
      await fetch(`${api}/_lab/stats/reset`, { method: 'POST' });
    },
    setSettings: async (s) =>
      (await (
        await fetch(`${api}/_lab/settings`, { method: 'POST', body: JSON.stringify(s), headers: { 'content-type': 'application/json' } })
      ).json()) as SimSettings,
    setFaults: async (spec) => {
      const r = await fetch(`${api}/_lab/faults`, {
        method: spec ? 'POST' : 'DELETE',
        body: spec ? JSON.stringify(spec) : undefined,
        headers: { 'content-type': 'application/json' },
      });
      if (!r.ok) throw new Error(`lab faults: HTTP ${r.status} ${await r.text()}`);
    },
    scenario: (name, o) => applyScenario(info, name, o),
    stopApi: () => sim.close({ finishPending: true }),
    startApi: async () => {
      sim = await startSimulator({ info, port: sim.port, settings: sim.settings });
    },
    destroy: async () => {
      await sim.close().catch(() => undefined);
      await root.end().catch(() => undefined);
      await labDown({ stateDir, wipe: true, dbServer: LAB_DB_URL });
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Keystone login against the lab; returns the token and the catalog endpoints. */
export async function labToken(info: LabInfo, password?: string): Promise<{ token: string; compute: string; volume: string }> {
  const { readCloudsYaml } = await import('../../src/lab/index.js');
  const creds = await readCloudsYaml(info.cloudsYaml);
  const r = await fetch(`${info.api.authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'admin', domain: { name: 'Default' }, password: password ?? creds.password } },
        },
        scope: { project: { name: 'admin', domain: { name: 'Default' } } },
      },
    }),
  });
  if (r.status !== 201) throw new Error(`auth failed: ${r.status}`);
  const body = (await r.json()) as any;
  const url = (type: string) => body.token.catalog.find((c: any) => c.type === type).endpoints.find((e: any) => e.interface === 'public').url;
  return { token: r.headers.get('x-subject-token')!, compute: url('compute'), volume: url('volumev3') };
}
