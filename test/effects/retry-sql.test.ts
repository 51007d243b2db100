// The retry policy on a real MariaDB: a lock wait (1205), a deadlock (1213) and a killed
// connection are retried — a select alone, a transaction as a whole from its start with its row
// backup taken again — and a COMMIT without an answer is never re-run.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DbConnection } from '../../src/config/types.js';
import { openDurableStream } from '../../src/effects/files/durable-write.js';
import type { RetryNotice, RetryPolicy } from '../../src/effects/retry-policy.js';
import { SqlError, createSqlEffect } from '../../src/effects/sql/create-sql-effect.js';
import type { SqlEffect } from '../../src/effects/types.js';
import type { Artifacts } from '../../src/engine/runbook.js';
import { runSqlStep } from '../../src/engine/sql-step.js';

const server = { host: '127.0.0.1', port: 3306, user: 'root', password: '' };
const schema = `novaops_retrysql_${process.pid}_${Date.now().toString(36)}`;
const conn: DbConnection = { ...server, database: schema, source: 'test' };
const fast: Partial<RetryPolicy> = { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 50, random: () => 0.5 };

let admin: mysql.Connection;
let holder: mysql.Connection;
let effect: SqlEffect;
let dir: string;

beforeAll(async () => {
  admin = await mysql.createConnection({ ...server, database: undefined });
  await admin.query(`CREATE DATABASE \`${schema}\``);
  await admin.query(`CREATE TABLE \`${schema}\`.volumes (id VARCHAR(36) PRIMARY KEY, status VARCHAR(255)) ENGINE=InnoDB`);
  await admin.query(`CREATE TABLE \`${schema}\`.ballast (id INT PRIMARY KEY, n INT) ENGINE=InnoDB`);
  await admin.query(`INSERT INTO \`${schema}\`.ballast (id, n) VALUES ${Array.from({ length: 200 }, (_, i) => `(${i}, 0)`).join(',')}`);
});

beforeEach(async () => {
  await admin.query(`DELETE FROM \`${schema}\`.volumes`);
  await admin.query(`INSERT INTO \`${schema}\`.volumes (id, status) VALUES ('v1', 'in-use'), ('v2', 'in-use')`);
  holder = await mysql.createConnection({ ...server, database: schema });
  effect = createSqlEffect({ nova: conn, cinder: conn }, { retry: fast, lockWaitTimeoutS: 1 });
  dir = await mkdtemp(path.join(os.tmpdir(), 'novaops-retrysql-'));
});

afterEach(async () => {
  await holder.end().catch(() => holder.destroy());
  await effect.close();
  await rm(dir, { recursive: true, force: true });
});

afterAll(async () => {
  await admin?.query(`DROP DATABASE IF EXISTS \`${schema}\``);
  await admin?.end();
});

const status = async (id: string) => ((await admin.query<mysql.RowDataPacket[]>(`SELECT status FROM \`${schema}\`.volumes WHERE id = ?`, [id]))[0][0] as { status: string }).status;

/** Waits until `id`'s connection is gone from the server's process list. */
async function killed(id: number): Promise<void> {
  await admin.query(`KILL CONNECTION ${Number(id)}`);
  for (;;) {
    const [rows] = await admin.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ?', [id]);
    if (Number(rows[0].n) === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until the holder's own statement waits for a row lock. */
async function holderWaits(): Promise<void> {
  for (;;) {
    const [rows] = await admin.query<mysql.RowDataPacket[]>("SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = ? AND trx_state = 'LOCK WAIT'", [holder.threadId]);
    if (Number(rows[0].n) > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('retry policy: selects', () => {
  it('retries a select that waited too long for a row lock (1205)', async () => {
    await holder.query('START TRANSACTION');
    await holder.query("SELECT * FROM volumes WHERE id = 'v1' FOR UPDATE");
    const notices: RetryNotice[] = [];
    const rows = await effect.select('nova', "SELECT id, status FROM volumes WHERE id = 'v1' FOR UPDATE", [], (n) => {
      notices.push(n);
      void holder.query('ROLLBACK');
    });
    expect(rows).toEqual([{ id: 'v1', status: 'in-use' }]);
    expect(notices).toEqual([{ failure: 'nova database: ER_LOCK_WAIT_TIMEOUT', attempt: 2, maxAttempts: 4, waitMs: 10 }]);
  });

  it('retries a select whose connection was killed while it ran, on a new connection', async () => {
    const notices: RetryNotice[] = [];
    const running = effect.select('nova', 'SELECT SLEEP(1) AS slept, CONNECTION_ID() AS id', [], (n) => notices.push(n));
    let id: number | undefined;
    while (id === undefined) {
      const [rows] = await admin.query<mysql.RowDataPacket[]>("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(1)%'");
      if (rows.length > 0) id = Number(rows[0].ID);
      else await new Promise((r) => setTimeout(r, 20));
    }
    await killed(id);
    const rows = await running;
    expect(Number(rows[0].id)).not.toBe(id);
    expect(notices).toHaveLength(1);
    expect(notices[0].failure).toMatch(/^nova database: (PROTOCOL_CONNECTION_LOST|ER_CONNECTION_KILLED|ECONNRESET|EPIPE)$/);
  });

  it('gives up after the bound with the database error', async () => {
    await holder.query('START TRANSACTION');
    await holder.query("SELECT * FROM volumes WHERE id = 'v1' FOR UPDATE");
    const few = createSqlEffect({ nova: conn, cinder: conn }, { retry: { ...fast, maxAttempts: 2 }, lockWaitTimeoutS: 1 });
    const notices: RetryNotice[] = [];
    const failed = await few.select('nova', "SELECT * FROM volumes WHERE id = 'v1' FOR UPDATE", [], (n) => notices.push(n)).catch((e: unknown) => e);
    await few.close();
    expect(failed).toBeInstanceOf(SqlError);
    expect((failed as SqlError).code).toBe('ER_LOCK_WAIT_TIMEOUT');
    expect(notices).toHaveLength(1);
  });
});

describe('retry policy: a transaction is retried as a whole, never half-committed', () => {
  it('re-runs a transaction that hit a lock wait (1205) from its start, and commits it once', async () => {
    await holder.query('START TRANSACTION');
    await holder.query("SELECT * FROM volumes WHERE id = 'v2' FOR UPDATE");
    let runs = 0;
    const notices: RetryNotice[] = [];
    await effect.transaction(
      ['nova'],
      async (tx) => {
        runs++;
        await tx('nova').query("UPDATE volumes SET status = CONCAT(status, '+') WHERE id = 'v1'", []);
        await tx('nova').query("UPDATE volumes SET status = 'available' WHERE id = 'v2'", []);
      },
      (n) => {
        notices.push(n);
        void holder.query('ROLLBACK');
      },
    );
    expect(runs).toBe(2);
    expect(notices.map((n) => n.failure)).toEqual(['nova transaction: ER_LOCK_WAIT_TIMEOUT']);
    // The first run's change to v1 was rolled back: one '+', not two.
    expect([await status('v1'), await status('v2')]).toEqual(['in-use+', 'available']);
  });

  it('re-runs a transaction chosen as a deadlock victim (1213)', async () => {
    // The holder has changed many rows: InnoDB rolls back the lighter transaction, novaops'.
    await holder.query('START TRANSACTION');
    await holder.query('UPDATE ballast SET n = n + 1');
    await holder.query("SELECT * FROM volumes WHERE id = 'v2' FOR UPDATE");
    let runs = 0;
    let crossing: Promise<unknown> | undefined;
    const notices: RetryNotice[] = [];
    await effect.transaction(
      ['nova'],
      async (tx) => {
        runs++;
        await tx('nova').query("UPDATE volumes SET status = 'error' WHERE id = 'v1'", []);
        if (runs === 1) {
          // The holder now waits for v1, which this transaction has; asking for v2 closes the circle.
          crossing = holder.query("UPDATE volumes SET status = 'holder' WHERE id = 'v1'");
          await holderWaits();
        }
        await tx('nova').query("UPDATE volumes SET status = 'available' WHERE id = 'v2'", []);
      },
      (n) => {
        notices.push(n);
        // The holder got v1 when novaops' transaction was rolled back; it lets both go now.
        void crossing?.then(() => holder.query('COMMIT'));
      },
    );
    expect(runs).toBe(2);
    expect(notices.map((n) => n.failure)).toEqual(['nova transaction: ER_LOCK_DEADLOCK']);
    expect([await status('v1'), await status('v2')]).toEqual(['error', 'available']);
  });

  it('re-runs a transaction whose connection was killed before COMMIT', async () => {
    let runs = 0;
    await effect.transaction(['nova'], async (tx) => {
      runs++;
      await tx('nova').query("UPDATE volumes SET status = 'available' WHERE id = 'v1'", []);
      if (runs === 1) {
        const { rows } = await tx('nova').query('SELECT CONNECTION_ID() AS id', []);
        await killed(Number(rows[0].id));
        await tx('nova').query("UPDATE volumes SET status = 'available' WHERE id = 'v2'", []);
      }
    });
    expect(runs).toBe(2);
    expect([await status('v1'), await status('v2')]).toEqual(['available', 'in-use']);
  });

  it('never re-runs a transaction whose COMMIT got no answer: a lost answer', async () => {
    let runs = 0;
    const failed = await effect
      .transaction(['nova'], async (tx) => {
        runs++;
        await tx('nova').query("UPDATE volumes SET status = 'available' WHERE id = 'v1'", []);
        const { rows } = await tx('nova').query('SELECT CONNECTION_ID() AS id', []);
        await killed(Number(rows[0].id)); // the COMMIT that follows goes out on a dead connection
      })
      .catch((e: unknown) => e);
    expect(runs).toBe(1);
    expect(failed).toBeInstanceOf(SqlError);
    expect((failed as SqlError).answerLost).toBe(true);
    expect((failed as SqlError).message).toMatch(/^the nova COMMIT got no answer \(\w+\): whether it was committed is unknown$/);
  });

  it("takes the step's row backup again in the retried transaction: it holds the rows that transaction changed", async () => {
    await holder.query('START TRANSACTION');
    await holder.query('UPDATE ballast SET n = n + 1');
    await holder.query("SELECT * FROM volumes WHERE id = 'v2' FOR UPDATE");
    let changed = false;
    const artifacts: Artifacts = {
      dir,
      write: async () => '',
      read: async (name) => readFile(path.join(dir, name), 'utf8').catch(() => undefined),
      exists: async () => false,
      async stream(name) {
        const file = path.join(dir, name);
        return { path: file, ...(await openDurableStream(file)) };
      },
    };
    const op = (id: string) => ({
      kind: 'sql' as const,
      db: 'nova' as const,
      sql: "UPDATE volumes SET status = 'available' WHERE id = ?",
      params: [id],
      mutating: true,
      summary: `free ${id}`,
      target: { volume: id },
      command: `free ${id}`,
      backup: { table: 'volumes', key: 'id', where: 'id = ?', params: [id] },
    });
    const items = ['v1', 'v2'].map((id) => ({ key: id, summary: id, target: { volume: id }, ops: [op(id)] }));
    // The first try saves v1 and waits out its lock on v2 (1205). Then the holder changes v1 and
    // lets go; should the next try take v1 first, the two deadlock and the lighter, novaops', retries.
    const result = await runSqlStep('free', 1, items, effect, artifacts, {
      opStart: () => 'op',
      opEnd: () => undefined,
      retry() {
        if (changed) return;
        changed = true;
        void holder.query("UPDATE volumes SET status = 'error' WHERE id = 'v1'").then(() => holder.query('COMMIT'));
      },
    });
    const backup = JSON.parse(await readFile(result.backupFile, 'utf8')) as { rows: { id: string; status: string }[] }[];
    expect(backup.flatMap((b) => b.rows)).toEqual([
      { id: 'v1', status: 'error' },
      { id: 'v2', status: 'in-use' },
    ]);
    expect(await readFile(result.rollbackFile, 'utf8')).toContain("SET `status` = 'error' WHERE `id` = 'v1'");
    expect([await status('v1'), await status('v2')]).toEqual(['available', 'available']);
  });
});
