import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import type { DbConnection } from '../../src/config/types.js';
import { SqlError, createSqlEffect } from '../../src/effects/sql/create-sql-effect.js';
import type { SqlEffect } from '../../src/effects/types.js';

const server = { host: '127.0.0.1', port: 3306, user: 'root', password: '' };
const schema = `novaops_sqltest_${process.pid}_${Date.now().toString(36)}`;
const conn = (database: string): DbConnection => ({ ...server, database, source: 'test' });

let admin: mysql.Connection;
let effect: SqlEffect;

beforeAll(async () => {
  admin = await mysql.createConnection({ ...server, multipleStatements: false });
  await admin.query(`CREATE DATABASE \`${schema}\``);
  await admin.query(`CREATE TABLE \`${schema}\`.volumes (id VARCHAR(36) PRIMARY KEY, status VARCHAR(255), attach_status VARCHAR(255), deleted TINYINT DEFAULT 0)`);
  await admin.query(`INSERT INTO \`${schema}\`.volumes (id, status, attach_status) VALUES ('v1', 'in-use', 'attached'), ('v2', 'available', 'detached'), ('v3', 'in-use', 'attached')`);
  effect = createSqlEffect({ nova: conn(schema), cinder: conn(schema) });
});

afterAll(async () => {
  await effect?.close();
  await admin?.query(`DROP DATABASE IF EXISTS \`${schema}\``);
  await admin?.end();
});

describe('sql effect', () => {
  it('selects with parameters, and a hostile parameter stays a value', async () => {
    const rows = await effect.select('cinder', 'SELECT id, status FROM volumes WHERE status = ? ORDER BY id', ['in-use']);
    expect(rows).toEqual([
      { id: 'v1', status: 'in-use' },
      { id: 'v3', status: 'in-use' },
    ]);
    expect(await effect.select('cinder', 'SELECT id FROM volumes WHERE id = ?', ["v1' OR '1'='1"])).toEqual([]);
    await expect(effect.select('cinder', 'SELECT 1; SELECT 2', [])).rejects.toBeInstanceOf(SqlError);
  });

  it('commits a transaction visibly to other connections, and rolls one back invisibly', async () => {
    const tx = await effect.begin('cinder');
    const res = await tx.query("UPDATE volumes SET status = 'available', attach_status = 'detached' WHERE id = ?", ['v1']);
    expect(res.affectedRows).toBe(1);
    const [before] = await admin.query<mysql.RowDataPacket[]>(`SELECT status FROM \`${schema}\`.volumes WHERE id = 'v1'`);
    expect(before[0].status).toBe('in-use');
    await tx.commit();
    const [after] = await admin.query<mysql.RowDataPacket[]>(`SELECT status FROM \`${schema}\`.volumes WHERE id = 'v1'`);
    expect(after[0].status).toBe('available');

    const tx2 = await effect.begin('cinder');
    const read = await tx2.query('SELECT status FROM volumes WHERE id = ?', ['v3']);
    expect(read.rows).toEqual([{ status: 'in-use' }]);
    await tx2.query('UPDATE volumes SET status = ? WHERE id = ?', ['error', 'v3']);
    await tx2.rollback();
    const [rolled] = await admin.query<mysql.RowDataPacket[]>(`SELECT status FROM \`${schema}\`.volumes WHERE id = 'v3'`);
    expect(rolled[0].status).toBe('in-use');
    await expect(tx2.commit()).rejects.toThrow(/already finished/);
  });

  it('lists columns from information_schema and knows the schema name', async () => {
    const cols = await effect.columns('nova');
    expect(cols.get('volumes')).toEqual(['id', 'status', 'attach_status', 'deleted']);
    expect(effect.schemaName('nova')).toBe(schema);
  });

  it('formats statements with inlined, escaped parameters', () => {
    expect(effect.format('UPDATE volumes SET status = ? WHERE id = ?', ["it's", 'v1'])).toBe("UPDATE volumes SET status = 'it\\'s' WHERE id = 'v1'");
    expect(effect.format('SELECT ?', [null])).toBe('SELECT NULL');
    expect(effect.format('SELECT ?', [new Date(Date.UTC(2024, 0, 2, 3, 4, 5))])).toBe("SELECT '2024-01-02 03:04:05.000'");
  });

  it('holds GET_LOCK against a second effect, names the holder, and releases it on close', async () => {
    const lockName = `novaops-test-${schema}`;
    const first = createSqlEffect({ nova: conn(schema), cinder: conn(schema) });
    const second = createSqlEffect({ nova: conn(schema), cinder: conn(schema) });
    try {
      expect(await first.acquireLock(lockName)).toBe(true);
      expect(await second.acquireLock(lockName)).toBe(false);
      const holder = await second.lockHolder(lockName);
      expect(holder).toBeTypeOf('number');
      // The holder is the first effect's lock connection: still alive in the processlist.
      const [procs] = await admin.query<mysql.RowDataPacket[]>('SELECT ID FROM information_schema.processlist WHERE ID = ?', [holder]);
      expect(procs).toHaveLength(1);
      await first.close();
      expect(await second.lockHolder(lockName)).toBeNull();
      expect(await second.acquireLock(lockName)).toBe(true);
      await second.releaseLock(lockName);
      expect(await second.lockHolder(lockName)).toBeNull();
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('explains a refused connection without the password', async () => {
    const bad = createSqlEffect({
      nova: { host: '127.0.0.1', port: 1, user: 'nova', password: 'hunter2-secret', database: 'nova', source: '/etc/nova/nova.conf [database] connection' },
      cinder: conn(schema),
    });
    try {
      const err = await bad.select('nova', 'SELECT 1', []).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SqlError);
      const e = err as SqlError;
      expect(e.message).toBe('cannot reach the nova database at 127.0.0.1:1 (from /etc/nova/nova.conf [database] connection): ECONNREFUSED');
      expect(`${e.message} ${e.hint}`).not.toContain('hunter2');
    } finally {
      await bad.close();
    }
  });

  it('explains denied access naming the user, not the password', async () => {
    const bad = createSqlEffect({
      nova: { ...server, user: 'novaops_nobody', password: 'hunter2-secret', database: schema, source: 'cfg databases.nova.url' },
      cinder: conn(schema),
    });
    try {
      const err = (await bad.select('nova', 'SELECT 1', []).catch((e: unknown) => e)) as SqlError;
      expect(err).toBeInstanceOf(SqlError);
      expect(err.message).toContain("denied access for user 'novaops_nobody'");
      expect(err.message).not.toContain('hunter2');
    } finally {
      await bad.close();
    }
  });
});
