// At connect: nova_api's cell mappings become databases of the session, each asked whether it
// answers; the run lock is one per cloud, on nova_api, whichever cell database a config names.
import mysql from 'mysql2/promise';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbConnection } from '../../src/config/types.js';
import { CELL0_UUID } from '../../src/config/cell-connections.js';
import { createSqlEffect } from '../../src/effects/sql/create-sql-effect.js';
import { resolveCells } from '../../src/effects/sql/resolve-cells.js';
import { acquireRunLock } from '../../src/engine/lock.js';
import { RefusedError } from '../../src/engine/errors.js';

const server = { host: '127.0.0.1', port: 3306, user: 'root', password: '' };
const prefix = `novaops_cells_${process.pid}_${Date.now().toString(36)}`;
const schema = { api: `${prefix}_api`, cell0: `${prefix}_cell0`, cell1: `${prefix}_cell1`, cell2: `${prefix}_cell2` };
const conn = (database: string): DbConnection => ({ ...server, database, source: 'test', url: `mysql+pymysql://root:@127.0.0.1:3306/${database}` });
let admin: mysql.Connection;

beforeAll(async () => {
  admin = await mysql.createConnection({ ...server, multipleStatements: false });
  for (const s of Object.values(schema)) await admin.query(`CREATE DATABASE \`${s}\``);
  for (const s of [schema.cell0, schema.cell1, schema.cell2]) await admin.query(`CREATE TABLE \`${s}\`.instances (uuid VARCHAR(36) PRIMARY KEY, host VARCHAR(255))`);
  await admin.query(`INSERT INTO \`${schema.cell1}\`.instances VALUES ('i-1', 'compute1')`);
  await admin.query(`INSERT INTO \`${schema.cell2}\`.instances VALUES ('i-2', 'compute2')`);
  await admin.query(
    `CREATE TABLE \`${schema.api}\`.cell_mappings (id INT AUTO_INCREMENT PRIMARY KEY, uuid VARCHAR(36) NOT NULL UNIQUE, name VARCHAR(255), transport_url TEXT, database_connection TEXT, disabled TINYINT(1) DEFAULT 0)`,
  );
  await admin.query(`INSERT INTO \`${schema.api}\`.cell_mappings (uuid, name, database_connection) VALUES (?, 'cell0', ?), ('u-1', 'cell1', ?), ('u-2', 'cell2', ?), ('u-3', 'cell3', ?)`, [
    CELL0_UUID,
    `mysql+pymysql://root:@127.0.0.1:3306/${schema.cell0}`,
    `mysql+pymysql://root:@127.0.0.1:3306/${schema.cell1}`,
    // Nova's template form, filled from the reading host's [database] connection.
    `{scheme}://{username}:{password}@{hostname}:{port}/${schema.cell2}`,
    // A cell whose server is gone: nothing listens on port 1.
    'mysql+pymysql://nova:cell3-secret@127.0.0.1:1/nova_cell3',
  ]);
});

afterAll(async () => {
  for (const s of Object.values(schema)) await admin?.query(`DROP DATABASE IF EXISTS \`${s}\``);
  await admin?.end();
});

describe('cells at connect', () => {
  it('joins every mapped cell, fills templates, and records the cell that does not answer instead of failing', async () => {
    const databases = { nova: conn(schema.cell0), cinder: conn(schema.cell1), novaApi: conn(schema.api) };
    const sql = createSqlEffect(databases, { retry: { maxAttempts: 1 } });
    try {
      const { directory, secrets } = await resolveCells(databases, sql);
      expect(directory.mapped).toBe(true);
      expect(directory.cells.map((c) => [c.name, c.db, c.cell0])).toEqual([
        ['cell0', 'cell:cell0', true],
        ['cell1', 'cell:cell1', false],
        ['cell2', 'cell:cell2', false],
        ['cell3', 'cell:cell3', false],
      ]);
      expect(Object.keys(directory.unreachable)).toEqual(['cell3']);
      expect(directory.unreachable.cell3).toMatch(/127\.0\.0\.1:1/);
      expect(directory.cells.find((c) => c.name === 'cell3')!.where).toBe('nova_cell3 at 127.0.0.1:1');
      // Each cell's own database answers through the session.
      expect(await sql.select('cell:cell1', 'SELECT uuid FROM instances', [])).toEqual([{ uuid: 'i-1' }]);
      expect(await sql.select('cell:cell2', 'SELECT uuid FROM instances', [])).toEqual([{ uuid: 'i-2' }]);
      expect(sql.schemaName('cell:cell2')).toBe(schema.cell2);
      // The mapping's password is known to the redactor although the config never held it.
      expect(secrets).toContain('cell3-secret');
      await expect(sql.select('cell:cell9', 'SELECT 1', [])).rejects.toThrow(/no database "cell:cell9"/);
    } finally {
      await sql.close();
    }
  });

  it('without an API database: one cell, `nova`, and no nova_api read', async () => {
    const sql = createSqlEffect({ nova: conn(schema.cell1), cinder: conn(schema.cell1) });
    try {
      const { directory } = await resolveCells({ nova: conn(schema.cell1), cinder: conn(schema.cell1) }, sql);
      expect(directory).toEqual({ mapped: false, cells: [{ name: 'nova', uuid: null, db: 'nova', cell0: false, where: `${schema.cell1} at 127.0.0.1:3306` }], unreachable: {} });
      expect(sql.databases()).toEqual(['nova', 'cinder']);
    } finally {
      await sql.close();
    }
  });

  it('takes one lock per cloud on nova_api: two configs naming different cells of one cloud exclude each other', async () => {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'novaops-cells-lock-'));
    const first = createSqlEffect({ nova: conn(schema.cell1), cinder: conn(schema.cell1), novaApi: conn(schema.api) });
    const second = createSqlEffect({ nova: conn(schema.cell2), cinder: conn(schema.cell1), novaApi: conn(schema.api) });
    const me = { runId: 'r1', runbook: 'drp', pid: process.pid, operator: 'op', host: 'elsewhere', startedAt: new Date().toISOString() };
    try {
      const lock = await acquireRunLock(first, stateDir, 'c', me);
      const refused = await acquireRunLock(second, path.join(stateDir, 'other'), 'c', { ...me, runId: 'r2' }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RefusedError);
      await lock.release();
      const again = await acquireRunLock(second, path.join(stateDir, 'other'), 'c', { ...me, runId: 'r2' });
      await again.release();
    } finally {
      await first.close();
      await second.close();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
