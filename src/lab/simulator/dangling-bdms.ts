// From 2023.2 (nova 28, "Delete dangling bdms") a compute that takes a reboot, soft or hard, first
// squares the instance's volume attachments with Cinder (compute/manager.py _delete_dangling_bdms):
// - a BDM with a volume_id and an attachment_id that Cinder no longer has (attachment_get by id:
//   only rows not deleted) is soft-deleted; nova-compute logs "Removing stale volume attachment
//   '<attachment_id>' from instance for volume '<volume_id>'". A BDM without attachment_id is not
//   checked at all.
// - every Cinder attachment of the instance that no remaining BDM names is deleted through Cinder
//   (attachment_delete: the row detached and soft-deleted, the volume available/detached once
//   nothing else holds it).
// Zed's compute does none of it, and neither does a start (its only caller is _reboot_instance).
// Without Cinder (the nova-volume layout) there is nothing to ask and Nova skips the check. The
// BDMs live in the instance's cell, the attachments in the one Cinder.
import type { RowDataPacket } from 'mysql2/promise';
import type { LabRelease } from '../types.js';
import type { SimState } from './context.js';
import type { InstanceRow } from './volume-backend.js';

const DELETES_DANGLING_ON_REBOOT: Record<LabRelease, boolean> = { zed: false, epoxy: true };

type Rows = RowDataPacket[];

/** What the compute removed: BDM ids (Nova side) and attachment ids (Cinder side). */
export interface DanglingRemoved {
  bdms: number[];
  attachments: string[];
}

export async function deleteDanglingBdms(sim: SimState, inst: InstanceRow): Promise<DanglingRemoved> {
  const removed: DanglingRemoved = { bdms: [], attachments: [] };
  if (!DELETES_DANGLING_ON_REBOOT[sim.settings.release] || sim.info.flavour !== 'modern') return removed;
  const { pool } = sim.db;
  const bdmTable = inst.cell.nova('block_device_mapping');
  const attachmentTable = sim.db.cinder('volume_attachment');
  // Cinder's list first, as Nova asks it: an attach that lands in between then has its BDM read
  // below and is known, never taken for a Cinder attachment Nova does not know.
  const [cinderSide] = await pool.query<Rows>(`SELECT id, volume_id FROM ${attachmentTable} WHERE instance_uuid = ? AND deleted = 0`, [inst.uuid]);
  const [bdms] = await pool.query<Rows>(
    `SELECT id, attachment_id FROM ${bdmTable}
     WHERE instance_uuid = ? AND deleted = 0 AND volume_id IS NOT NULL AND attachment_id IS NOT NULL`,
    [inst.uuid],
  );
  const ids = bdms.map((b) => String(b.attachment_id));
  const [found] = ids.length
    ? await pool.query<Rows>(`SELECT id FROM ${attachmentTable} WHERE id IN (?) AND deleted = 0`, [ids])
    : [[] as Rows];
  const known = new Set(found.map((r) => String(r.id)));
  removed.bdms = bdms.filter((b) => !known.has(String(b.attachment_id))).map((b) => Number(b.id));
  if (removed.bdms.length) {
    // BlockDeviceMapping.destroy(): oslo.db's soft delete, updated_at left as it was.
    await pool.query(`UPDATE ${bdmTable} SET deleted = id, deleted_at = UTC_TIMESTAMP() WHERE id IN (?) AND deleted = 0`, [removed.bdms]);
  }
  for (const a of cinderSide.filter((r) => !known.has(String(r.id)))) {
    await cinderAttachmentDelete(sim, String(a.id), String(a.volume_id));
    removed.attachments.push(String(a.id));
  }
  return removed;
}

/** Cinder's attachment_delete as the database sees it (db api volume_detached). */
async function cinderAttachmentDelete(sim: SimState, attachmentId: string, volumeId: string): Promise<void> {
  const { pool } = sim.db;
  await pool.query(
    `UPDATE ${sim.db.cinder('volume_attachment')} SET attach_status = 'detached', detach_time = UTC_TIMESTAMP(), deleted = 1,
       deleted_at = UTC_TIMESTAMP(), updated_at = UTC_TIMESTAMP() WHERE id = ? AND deleted = 0`,
    [attachmentId],
  );
  const [left] = await pool.query<Rows>(`SELECT COUNT(*) AS n FROM ${sim.db.cinder('volume_attachment')} WHERE volume_id = ? AND deleted = 0`, [volumeId]);
  const free = Number(left[0].n) === 0;
  await pool.query(
    `UPDATE ${sim.db.cinder('volumes')} SET status = ?, attach_status = ?, updated_at = UTC_TIMESTAMP() WHERE id = ? AND deleted = 0`,
    [free ? 'available' : 'in-use', free ? 'detached' : 'attached', volumeId],
  );
}
