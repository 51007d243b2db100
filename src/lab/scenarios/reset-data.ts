// Scenarios replace the whole cloud: empty every lab table - every cell's, nova_api's mappings
// included (the scenario writes the mappings of the cells it asks for) - and every host's runtime
// state. Placement's standard resource classes are written back, as placement-api does at start.
import type { RowDataPacket } from 'mysql2/promise';
import { rm, writeFile } from 'node:fs/promises';
import { resetHostState } from '../hosts.js';
import type { LabDb } from '../lab-db.js';
import { q, seedResourceClasses } from '../db-provision.js';
import { placementSchema } from '../lab-db.js';
import { labPaths } from '../paths.js';
import type { LabInfo } from '../types.js';

export async function resetLabData(info: LabInfo, db: LabDb): Promise<void> {
  const placement = placementSchema(info);
  const cells = db.schemas;
  for (const schema of [cells.cell0, cells.cell1, cells.cell2, cells.api, info.db.schemas.cinder, placement]) {
    const [tables] = await db.pool.query<RowDataPacket[]>(
      'SELECT table_name AS t, auto_increment AS next_id FROM information_schema.tables WHERE table_schema = ?',
      [schema],
    );
    // TRUNCATE recreates the table, which costs even when it is empty (cell0 and cell2 mostly
    // are): only tables that hold rows or have handed out ids are truncated.
    for (const { t, next_id: nextId } of tables) {
      const [[row]] = await db.pool.query<RowDataPacket[]>(`SELECT 1 AS x FROM ${q(schema)}.${q(t)} LIMIT 1`);
      if (row || Number(nextId ?? 1) > 1) await db.pool.query(`TRUNCATE TABLE ${q(schema)}.${q(t)}`);
    }
  }
  const conn = await db.pool.getConnection();
  try {
    await seedResourceClasses(conn, placement);
  } finally {
    conn.release();
  }
  for (const h of info.hosts) await resetHostState(info.dir, h);
  await writeFile(labPaths(info.dir).iscsiTargets, '');
  await rm(labPaths(info.dir).sharedStorage, { force: true });
}
