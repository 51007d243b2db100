// nova-volume rows for the power-loss plan: nova.volumes with integer ids, attached through
// instance_id + mountpoint (the state the guide's `update volumes ... instance_id=0` cleans).
// nova-volume is older than cells v2: a nova-volume lab has its one cell, cell1 (cell-layout.ts).
import type { LabDb } from '../lab-db.js';
import { legacyVolumeName } from '../simulator/volume-backend-legacy.js';
import { volumeIqn } from '../sessions-file.js';
import { bulkInsert } from './bulk-insert.js';
import type { PowerLossPlan } from './power-loss-plan.js';

export async function writeLegacy(db: LabDb, plan: PowerLossPlan, now: Date): Promise<void> {
  const byUuid = new Map(plan.instances.map((i) => [i.uuid, i]));
  const rows = plan.volumes.map((v) => {
    const id = Number(v.id);
    const a = v.attachments[0];
    return {
      id,
      created_at: v.createdAt,
      updated_at: now,
      deleted: 0,
      ec2_id: `vol-${id.toString(16).padStart(8, '0')}`,
      user_id: v.userId,
      project_id: v.projectId,
      host: 'controller',
      size: v.size,
      availability_zone: 'nova',
      instance_id: a ? byUuid.get(a.instance)!.n : null,
      mountpoint: a ? a.device : null,
      attach_time: a ? v.createdAt.toISOString() : null,
      status: v.status,
      attach_status: v.attachStatus,
      launched_at: v.createdAt,
      display_name: v.name,
      display_description: '',
      provider_location: `127.0.0.1:3260,1 ${volumeIqn(legacyVolumeName(id))} 1`,
      provider_auth: null,
      volume_type_id: null,
    };
  });
  await bulkInsert(db.pool, db.cell('cell1').nova('volumes'), rows);
}
