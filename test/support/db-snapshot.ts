// What a test compares before and after a run: CHECKSUM TABLE of every lab table, and every row.
import type { TestLab } from './lab.js';

export async function labTables(lab: TestLab): Promise<string[]> {
  const schemas = [lab.info.db.schemas.nova, lab.info.db.schemas.cinder];
  const rows = await lab.rootQuery<{ s: string; t: string }[]>(
    'SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?, ?) ORDER BY 1, 2',
    schemas,
  );
  return rows.map((r) => `\`${r.s}\`.\`${r.t}\``);
}

export async function checksums(lab: TestLab): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of await labTables(lab)) {
    const [row] = await lab.rootQuery<{ Checksum: string | number }[]>(`CHECKSUM TABLE ${table}`);
    out[table] = String(row.Checksum);
  }
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
