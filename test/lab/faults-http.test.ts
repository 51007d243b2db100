// Each API fault kind, met by a real HTTP client against the lab's simulator.
import http from 'node:http';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { FaultPlan, type FaultSpec } from '../../src/lab/index.js';
import { createTestLab, labToken, type TestLab } from '../support/lab.js';
import { api } from './api-helpers.js';

let lab: TestLab;
let token: string;
let compute: string;
let instances: string[];

beforeAll(async () => {
  lab = await createTestLab({ settings: { rebootMs: 60_000 } });
  const s = (await lab.scenario('power-loss', { seed: 1 })) as { affectedInstances: string[] };
  instances = s.affectedInstances;
  ({ token, compute } = await labToken(lab.info));
}, 120_000);
afterAll(async () => lab?.destroy());
beforeEach(async () => {
  await lab.setFaults(null);
  await lab.resetStats();
});

const only = (kind: FaultSpec['kinds'][number], extra: Partial<FaultSpec> = {}) => lab.setFaults({ rate: 1, seed: 1, kinds: [kind], ...extra });

/** A GET by node:http, to see the socket's own error (fetch wraps it). */
function rawGet(url: string, timeoutMs: number): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const req = http.get(url, { headers: { 'x-auth-token': token }, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode }));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ error: 'client timeout' });
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
  });
}

test('http-503 without Retry-After, http-503-retry-after with it', async () => {
  await only('http-503');
  const a = await fetch(`${compute}/servers/${instances[0]}`, { headers: { 'x-auth-token': token } });
  expect(a.status).toBe(503);
  expect(a.headers.get('retry-after')).toBeNull();
  await only('http-503-retry-after');
  const b = await fetch(`${compute}/servers/${instances[0]}`, { headers: { 'x-auth-token': token } });
  expect(b.status).toBe(503);
  expect(b.headers.get('retry-after')).toBe('1');
  expect((await lab.stats()).faultsInjected).toEqual({ 'http-503': 1, 'http-503-retry-after': 1 });
});

test('Keystone token issue can meet a 503 too (Keystone recovering)', async () => {
  await only('http-503');
  await expect(labToken(lab.info)).rejects.toThrow('auth failed: 503');
});

test('http-500 and http-504', async () => {
  await only('http-500');
  const a = await api(token, `${compute}/servers/${instances[0]}`);
  expect(a.status).toBe(500);
  expect(a.body.computeFault.code).toBe(500);
  await only('http-504');
  const b = await fetch(`${compute}/servers/${instances[0]}`, { headers: { 'x-auth-token': token } });
  expect(b.status).toBe(504);
  expect(await b.text()).toContain('504 Gateway Time-out');
});

test('reset: the client sees the connection reset', async () => {
  await only('reset');
  const r = await rawGet(`${compute}/servers/${instances[0]}`, 30_000);
  expect(r.error).toBe('ECONNRESET');
  expect((await lab.stats()).faultsInjected).toEqual({ reset: 1 });
});

test('no-answer: only the client timeout ends the request', async () => {
  await only('no-answer');
  const r = await rawGet(`${compute}/servers/${instances[0]}`, 500);
  expect(r).toEqual({ error: 'client timeout' });
  expect((await lab.stats()).faultsInjected).toEqual({ 'no-answer': 1 });
});

test('slow: the answer comes, after slowMs', async () => {
  await only('slow', { slowMs: 400 });
  const t0 = performance.now();
  const r = await api(token, `${compute}/servers/${instances[0]}`);
  expect(r.status).toBe(200);
  expect(performance.now() - t0).toBeGreaterThanOrEqual(390);
});

test('token-expired: 401 now and for every later request with that token, until re-authentication', async () => {
  const { token: t } = await labToken(lab.info);
  await only('token-expired');
  expect((await api(t, `${compute}/servers/${instances[0]}`)).status).toBe(401);
  await lab.setFaults(null);
  const again = await api(t, `${compute}/servers/${instances[0]}`);
  expect(again.status).toBe(401);
  expect(again.headers.get('www-authenticate')).toContain('Keystone uri=');
  const { token: fresh } = await labToken(lab.info);
  expect((await api(fresh, `${compute}/servers/${instances[0]}`)).status).toBe(200);
});

test('applied-lost: the reboot is applied (DB and counters) though the client never gets its 202, in each of the four ways', async () => {
  const ways = ['reset', 'http-500', 'http-504', 'no-answer'];
  // The seed decides how the answer is lost: find one seed per way from the plan itself.
  const seeds = ways.map((_, way) => {
    for (let seed = 1; ; seed++) {
      const d = new FaultPlan({ rate: 1, seed, kinds: ['applied-lost'], slowMs: 0 }).draw('http', () => true)!;
      if (Math.floor(d.variant * 4) === way) return seed;
    }
  });
  const novaDb = lab.info.db.schemas.nova;
  for (const [i, way] of ways.entries()) {
    const id = instances[i];
    await lab.setFaults({ rate: 1, seed: seeds[i], kinds: ['applied-lost'] });
    const r = await new Promise<{ status?: number; error?: string }>((resolve) => {
      const req = http.request(`${compute}/servers/${id}/action`, { method: 'POST', timeout: 1000, headers: { 'x-auth-token': token, 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode }));
      });
      req.on('timeout', () => {
        req.destroy();
        resolve({ error: 'client timeout' });
      });
      req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code }));
      req.end(JSON.stringify({ reboot: { type: 'HARD' } }));
    });
    expect(r).toEqual({ reset: { error: 'ECONNRESET' }, 'http-500': { status: 500 }, 'http-504': { status: 504 }, 'no-answer': { error: 'client timeout' } }[way]);
    const [row] = await lab.rootQuery<{ task_state: string }[]>(`SELECT task_state FROM \`${novaDb}\`.instances WHERE uuid = ?`, [id]);
    expect(row.task_state).toMatch(/^reboot/);
  }
  const st = await lab.stats();
  for (const id of instances.slice(0, 4)) expect(st.appliedByServer[id]).toEqual({ reboot: 1 });
  expect(st.faultsInjected).toEqual(Object.fromEntries(ways.map((w) => [`applied-lost:${w}`, 1])));
});

test('a GET never meets applied-lost, and /_lab is never faulted', async () => {
  await only('applied-lost');
  expect((await api(token, `${compute}/servers/${instances[0]}`)).status).toBe(200);
  await only('http-500');
  expect((await fetch(`${lab.info.api.url}/_lab/health`)).status).toBe(200);
  expect((await lab.stats()).faultsInjected).toEqual({});
});

test('determinism: the same seed and the same requests meet the same faults; another seed differs', async () => {
  const run = async (seed: number) => {
    await lab.setFaults({ rate: 0.5, seed, kinds: ['http-500', 'http-503', 'http-504'] });
    const statuses: number[] = [];
    for (let i = 0; i < 24; i++) statuses.push((await fetch(`${compute}/servers/${instances[i % 3]}`, { headers: { 'x-auth-token': token } })).status);
    return statuses;
  };
  const a = await run(7);
  expect(a.filter((s) => s !== 200).length).toBeGreaterThan(3);
  expect(a.filter((s) => s === 200).length).toBeGreaterThan(3);
  expect(await run(7)).toEqual(a);
  expect(await run(8)).not.toEqual(a);
});

test('bad plans are refused with the field named, and nothing changes', async () => {
  const r = await fetch(`${lab.info.api.url}/_lab/faults`, { method: 'POST', body: JSON.stringify({ rate: 2, seed: 1 }) });
  expect(r.status).toBe(400);
  expect(await r.text()).toContain('rate');
  const k = await fetch(`${lab.info.api.url}/_lab/faults`, { method: 'POST', body: JSON.stringify({ rate: 1, seed: 1, kinds: ['http-999'] }) });
  expect(k.status).toBe(400);
  expect(((await (await fetch(`${lab.info.api.url}/_lab/faults`)).json()) as { faults: unknown }).faults).toBeNull();
});
