// What a nova-compute does about evacuations when it starts (nova/compute/manager.py
// _destroy_evacuated_instances): for every evacuation migration from this host that is accepted,
// pre-migrating or done, it destroys the guest it still has (and its local disk unless the
// instances path is shared), removes the instance's allocation on this host's resource provider,
// and marks the migration completed. Until that happens the evacuated instance holds allocations
// on both providers. A compute reads and writes its own cell's database.
import type { RowDataPacket } from 'mysql2/promise';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { hostPaths, labPaths } from '../paths.js';
import { providerForNode, removeProviderFromConsumer } from '../placement-db.js';
import type { SimState } from './context.js';

export async function computeStarted(sim: SimState, host: string): Promise<void> {
  const { db } = sim;
  const cell = await db.cellOfHost(host);
  if (!cell) return;
  // Nova reads these migrations with read_deleted='yes', then skips instances that are gone.
  const [migs] = await db.pool.query<RowDataPacket[]>(
    `SELECT m.id, m.instance_uuid, m.source_node, i.host AS instance_host, i.deleted AS instance_deleted
     FROM ${cell.nova('migrations')} m LEFT JOIN ${cell.nova('instances')} i ON i.uuid = m.instance_uuid
     WHERE m.source_compute = ? AND m.migration_type = 'evacuation' AND m.status IN ('accepted', 'pre-migrating', 'done')
     ORDER BY m.id`,
    [host],
  );
  if (migs.length === 0) return;
  const shared = existsSync(labPaths(sim.info.dir).sharedStorage);
  for (const m of migs) {
    if (m.instance_host === undefined || m.instance_host === null || m.instance_deleted) continue;
    // The guest this host still had is destroyed; its disk goes too unless the path is shared.
    if (!shared) await rm(path.join(hostPaths(sim.info.dir, host).instancesDir, m.instance_uuid), { recursive: true, force: true });
    const provider = await providerForNode(db, m.source_node);
    if (provider) await removeProviderFromConsumer(db, m.instance_uuid, provider.uuid);
    await db.pool.query(`UPDATE ${cell.nova('migrations')} SET status = 'completed', updated_at = UTC_TIMESTAMP() WHERE id = ?`, [m.id]);
  }
}
