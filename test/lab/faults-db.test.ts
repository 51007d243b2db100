// Database faults, met by a real mysql2 client through the lab's proxy, checked against MariaDB.
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { labPaths, readServiceConnection, type FaultSpec } from '../../src/lab/index.js';
import { createTestLab, type TestLab } from '../support/lab.js';

let lab: TestLab;
let table: string;
const open: mysql.Connection[] = [];

beforeAll(async () => {
  lab = await createTestLab({ dbProxy: true });
  table = `\`${lab.info.db.schemas.nova}\`.fault_probe`;
  await lab.rootQuery(`CREATE TABLE ${table} (id INT PRIMARY KEY, note VARCHAR(40)) ENGINE=InnoDB`);
}, 120_000);
afterAll(async () => {
  for (const c of open) c.destroy();
  await lab?.destroy();
});
beforeEach(async () => {
  await lab.setFaults(null);
  await lab.resetStats();
  await lab.rootQuery(`DELETE FROM ${table}`);
});

/** A connection as novaops makes it: from the nova.conf its config names (the proxy's port). */
async function viaProxy(): Promise<mysql.Connection> {
  const c = await readServiceConnection(labPaths(lab.info.dir).proxiedNovaConf);
  expect(c.port).toBe(lab.info.db.proxyPort);
  const conn = await mysql.createConnection({ host: c.host, port: c.port, user: c.user, password: c.password, database: c.database });
  conn.on('error', () => undefined);
  open.push(conn);
  return conn;
}

const only = (kind: FaultSpec['kinds'][number]) => lab.setFaults({ rate: 1, seed: 1, kinds: [kind] });
const rows = async () => (await lab.rootQuery<{ id: number }[]>(`SELECT id FROM ${table} ORDER BY id`)).map((r) => r.id);
const caught = (p: Promise<unknown>) => p.then(() => ({}) as Record<string, unknown>, (e: Record<string, unknown>) => e);

test("the lab's novaops config reaches the database through the proxy", async () => {
  const conf = await (await import('node:fs/promises')).readFile(lab.info.configFile, 'utf8');
  expect(conf).toContain(labPaths(lab.info.dir).proxiedNovaConf);
});

test('faults off: bytes pass through, multi-packet results and prepared statements included', async () => {
  const c = await viaProxy();
  // A 5 MB value (one row over many TCP chunks) and a result set of 20 000 rows (20 000 packets).
  const [[big]] = (await c.query(`SELECT REPEAT('x', 5000000) AS v`)) as unknown as [{ v: string }[]];
  expect(big.v.length).toBe(5_000_000);
  const [many] = (await c.query(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) SELECT a.i * 1000 + b.i AS i FROM n a, n b LIMIT 20000`)) as unknown as [{ i: number }[]];
  expect(many.length).toBe(20_000);
  await c.execute(`INSERT INTO ${table} (id, note) VALUES (?, ?)`, [1, 'prepared']);
  expect(await rows()).toEqual([1]);
});

test('db-lock-wait: errno 1205, the statement not run, the transaction goes on', async () => {
  const c = await viaProxy();
  await c.query('BEGIN');
  await c.query(`INSERT INTO ${table} VALUES (1, 'before')`);
  await only('db-lock-wait');
  const e = await caught(c.query(`INSERT INTO ${table} VALUES (2, 'faulted')`));
  expect([e.errno, e.sqlState, e.code]).toEqual([1205, 'HY000', 'ER_LOCK_WAIT_TIMEOUT']);
  await lab.setFaults(null);
  await c.query('COMMIT');
  expect(await rows()).toEqual([1]);
  expect((await lab.stats()).faultsInjected).toEqual({ 'db-lock-wait': 1 });
});

test('db-deadlock: errno 1213 and the whole transaction rolled back in MariaDB', async () => {
  const c = await viaProxy();
  await c.query('BEGIN');
  await c.query(`INSERT INTO ${table} VALUES (1, 'in the victim transaction')`);
  await only('db-deadlock');
  const e = await caught(c.query(`UPDATE ${table} SET note = 'x' WHERE id = 1`));
  expect([e.errno, e.sqlState, e.code]).toEqual([1213, '40001', 'ER_LOCK_DEADLOCK']);
  await lab.setFaults(null);
  await c.query('COMMIT');
  expect(await rows()).toEqual([]);
  // The connection lives on, as after a real deadlock.
  await c.query(`INSERT INTO ${table} VALUES (3, 'after')`);
  expect(await rows()).toEqual([3]);
});

test('db-gone: the connection is lost between statements, the open transaction rolled back', async () => {
  const c = await viaProxy();
  await c.query('BEGIN');
  await c.query(`INSERT INTO ${table} VALUES (1, 'lost')`);
  await only('db-gone');
  const e = await caught(c.query('COMMIT'));
  expect(e.code).toBe('PROTOCOL_CONNECTION_LOST');
  await lab.setFaults(null);
  expect(await rows()).toEqual([]);
});

test('db-kill: MariaDB really killed the connection (KILL CONNECTION), the client meets its error', async () => {
  const c = await viaProxy();
  const [[{ id }]] = (await c.query('SELECT CONNECTION_ID() AS id')) as unknown as [{ id: number }[]];
  await only('db-kill');
  const e = await caught(c.query('SELECT 1'));
  // MariaDB answers a statement on a killed connection with 1927 (ER_CONNECTION_KILLED) or closes it.
  expect(e.errno === 1927 || e.code === 'PROTOCOL_CONNECTION_LOST').toBe(true);
  await lab.setFaults(null);
  const alive = await lab.rootQuery<{ n: number }[]>('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ?', [id]);
  expect(alive[0].n).toBe(0);
  expect((await lab.stats()).faultsInjected).toEqual({ 'db-kill': 1 });
});

test('determinism: the same seed faults the same statements', async () => {
  const run = async (seed: number) => {
    await lab.setFaults({ rate: 0.4, seed, kinds: ['db-lock-wait', 'db-deadlock'] });
    const c = await viaProxy();
    const out: string[] = [];
    for (let i = 0; i < 20; i++) out.push(String((await caught(c.query('SELECT 1'))).errno ?? 'ok'));
    c.destroy();
    return out;
  };
  const a = await run(3);
  expect(new Set(a).size).toBeGreaterThan(1);
  expect(await run(3)).toEqual(a);
});
