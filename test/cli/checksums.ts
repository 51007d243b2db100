// "Nothing changed", measured: CHECKSUM TABLE of every table in the lab's nova and cinder schemas.
// Two snapshots are equal only if no row of any table was inserted, updated or deleted.
import type { TestLab } from '../support/lab.js';

export type Checksums = Record<string, string>;

function quoteIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

export async function schemaChecksums(lab: TestLab): Promise<Checksums> {
  const schemas = [lab.info.db.schemas.nova, lab.info.db.schemas.cinder];
  const tables = await lab.rootQuery<{ s: string; t: string }[]>(
    'SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?, ?) AND TABLE_TYPE = ? ORDER BY 1, 2',
    [...schemas, 'BASE TABLE'],
  );
  if (tables.length === 0) throw new Error(`no tables in ${schemas.join(', ')}: the checksum would prove nothing`);
  const list = tables.map((r) => `${quoteIdent(r.s)}.${quoteIdent(r.t)}`).join(', ');
  const rows = await lab.rootQuery<{ Table: string; Checksum: string | number | null }[]>(`CHECKSUM TABLE ${list} EXTENDED`);
  const out: Checksums = {};
  for (const r of rows) out[r.Table] = String(r.Checksum);
  if (Object.keys(out).length !== tables.length) throw new Error(`CHECKSUM TABLE answered for ${Object.keys(out).length} of ${tables.length} tables`);
  return out;
}
