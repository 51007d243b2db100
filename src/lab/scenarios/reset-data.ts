// Scenarios replace the whole cloud: empty every lab table (Placement's standard resource classes
// are written back, as placement-api does at start) and every host's runtime state.
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
  for (const schema of [info.db.schemas.nova, info.db.schemas.cinder, placement]) {
    const [tables] = await db.pool.query<RowDataPacket[]>(
      'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ?',
      [schema],
    );
    for (const { t } of tables) await db.pool.query(`TRUNCATE TABLE ${q(schema)}.${q(t)}`);
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
