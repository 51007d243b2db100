// What a test compares before and after a run: CHECKSUM TABLE of every lab table, and every row.
import { createHash } from 'node:crypto';
import type { TestLab } from './lab.js';

function quoteIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

export async function labTables(lab: TestLab, only?: readonly string[]): Promise<string[]> {
  // Placement too, where the lab has it: a run that moved an allocation changed the cloud.
  const { nova, cinder, placement } = lab.info.db.schemas;
  const schemas = only ?? [nova, cinder, ...(placement ? [placement] : [])];
  const rows = await lab.rootQuery<{ s: string; t: string }[]>(
    `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (${schemas.map(() => '?').join(', ')}) AND TABLE_TYPE = ? ORDER BY 1, 2`,
    [...schemas, 'BASE TABLE'],
  );
  if (rows.length === 0) throw new Error(`no tables in ${schemas.join(', ')}: a comparison would prove nothing`);
  return rows.map((r) => `${quoteIdent(r.s)}.${quoteIdent(r.t)}`);
}

export type Checksums = Record<string, string>;

/**
 * "Nothing changed", measured: equal only if no row of any lab table was inserted, updated or
 * deleted. The services table is hashed without its heartbeat columns, which the lab's simulated
 * nova-compute updates every 10 s on its own (a change no run made).
 */
export async function checksums(lab: TestLab): Promise<Checksums> {
  return checksumsOf(lab);
}

/** checksums() of the tables of `schemas` (e.g. one cell's database), or of the lab's usual ones. */
export async function checksumsOf(lab: TestLab, schemas?: readonly string[]): Promise<Checksums> {
  const tables = await labTables(lab, schemas);
  const plain = tables.filter((t) => !t.endsWith('`services`'));
  const rows = await lab.rootQuery<{ Table: string; Checksum: string | number | null }[]>(`CHECKSUM TABLE ${plain.join(', ')} EXTENDED`);
  const out: Checksums = {};
  for (const r of rows) out[r.Table] = String(r.Checksum);
  for (const table of tables.filter((t) => t.endsWith('`services`'))) {
    const serviceRows = await lab.rootQuery<Record<string, unknown>[]>(`SELECT * FROM ${table} ORDER BY 1`);
    const stable = JSON.stringify(serviceRows.map((row) => withoutHeartbeat(table, row)));
    out[table.replace(/`/g, '')] = createHash('sha256').update(stable).digest('hex');
  }
  if (Object.keys(out).length !== tables.length) throw new Error(`CHECKSUM TABLE answered for ${Object.keys(out).length} of ${tables.length} tables`);
  return out;
}

export type Rows = Record<string, Record<string, unknown>[]>;

/** Every row of every lab table, in primary-key order, as JSON-comparable values. */
export async function allRows(lab: TestLab): Promise<Rows> {
  const out: Rows = {};
  for (const table of await labTables(lab)) {
    const rows = await lab.rootQuery<Record<string, unknown>[]>(`SELECT * FROM ${table} ORDER BY 1`);
    out[table] = JSON.parse(JSON.stringify(rows));
  }
  return out;
}

/** The lab's simulated nova-compute services heartbeat on their own; that is not a change a run made. */
export const HEARTBEAT_COLUMNS = ['updated_at', 'last_seen_up', 'report_count'];

export function withoutHeartbeat(table: string, row: Record<string, unknown>): Record<string, unknown> {
  if (!table.endsWith('`services`')) return row;
  return Object.fromEntries(Object.entries(row).filter(([k]) => !HEARTBEAT_COLUMNS.includes(k)));
}
