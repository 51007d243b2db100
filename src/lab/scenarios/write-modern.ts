// Modern rows for the power-loss plan: cinder volumes and attachments, Nova BDMs (image root
// disks, boot volumes, data volumes) linked by attachment_id like a real Zed cloud. Cinder is one
// for the whole cloud; each BDM lives in its instance's cell.
import { randomUUID } from 'node:crypto';
import type { LabDb } from '../lab-db.js';
import { connectionInfo, connector } from '../simulator/volume-backend.js';
import { volumeIqn } from '../sessions-file.js';
import { bulkInsert } from './bulk-insert.js';
import { cellOf, computeCells, type CellLayout } from './cell-layout.js';
import { IMAGE_REF } from './write-common.js';
import { isBootFromVolume, type PowerLossPlan } from './power-loss-plan.js';

const VOLUME_TYPE_ID = '6b5c4d3e-2f1a-4b0c-9d8e-7f6a5b4c3d2e';
const CINDER_SERVICE_UUID = '0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a';

export function modernVolumeName(id: string): string {
  return `volume-${id}`;
}

export async function writeModern(db: LabDb, plan: PowerLossPlan, now: Date, layout: CellLayout): Promise<void> {
  const volumes = plan.volumes.map((v) => ({
    id: v.id,
    created_at: v.createdAt,
    updated_at: now,
    deleted: 0,
    user_id: v.userId,
    project_id: v.projectId,
    host: 'controller@lvm#LVM',
    size: v.size,
    availability_zone: 'nova',
    status: v.status,
    attach_status: v.attachStatus,
    launched_at: v.createdAt,
    display_name: v.name,
    display_description: '',
    provider_location: `127.0.0.1:3260,1 ${volumeIqn(modernVolumeName(v.id))} 1`,
    provider_auth: `CHAP ${v.id.slice(0, 8)} ${v.id.slice(-12)}`,
    volume_type_id: VOLUME_TYPE_ID,
    bootable: v.bootable ? 1 : 0,
    multiattach: v.multiattach ? 1 : 0,
    replication_status: null,
    cluster_name: null,
    service_uuid: CINDER_SERVICE_UUID,
    shared_targets: 0,
    use_quota: 1,
  }));
  await bulkInsert(db.pool, db.cinder('volumes'), volumes);

  const attachments: Record<string, unknown>[] = [];
  const bdms: Record<string, unknown>[] = [];
  const volById = new Map(plan.volumes.map((v) => [v.id, v]));
  for (const v of plan.volumes) {
    const conn = JSON.stringify(connectionInfo(v.id, volumeIqn(modernVolumeName(v.id))));
    for (const a of v.attachments) {
      attachments.push({
        id: a.attachmentId,
        created_at: v.createdAt,
        updated_at: now,
        deleted: 0,
        volume_id: v.id,
        attached_host: a.host,
        instance_uuid: a.instance,
        mountpoint: a.device,
        attach_time: v.createdAt,
        attach_mode: 'rw',
        attach_status: 'attached',
        connection_info: conn,
        connector: JSON.stringify(connector(a.host)),
      });
    }
  }
  // BDMs in instance order: root disk first, then data volumes in device order.
  for (const inst of plan.instances) {
    if (!isBootFromVolume(inst)) {
      bdms.push(bdm({ instance_uuid: inst.uuid, device_name: '/dev/vda', source_type: 'image', destination_type: 'local', boot_index: 0, image_id: IMAGE_REF, delete_on_termination: 1, created_at: inst.createdAt, updated_at: now }));
    }
    for (const vid of inst.volumes) {
      const v = volById.get(vid)!;
      const a = v.attachments.find((x) => x.instance === inst.uuid)!;
      bdms.push(
        bdm({
          instance_uuid: inst.uuid,
          device_name: a.device,
          source_type: 'volume',
          destination_type: 'volume',
          boot_index: v.role === 'boot' ? 0 : null,
                    volume_id: v.id,
          volume_size: v.size,
          attachment_id: a.attachmentId,
          delete_on_termination: 0,
          connection_info: JSON.stringify(connectionInfo(v.id, volumeIqn(modernVolumeName(v.id)))),
          created_at: v.createdAt,
          updated_at: now,
        }),
      );
    }
  }
  await bulkInsert(db.pool, db.cinder('volume_attachment'), attachments);
  const cellOfInstance = new Map(plan.instances.map((i) => [i.uuid, cellOf(layout, i.host)]));
  for (const name of computeCells(layout)) {
    await bulkInsert(db.pool, db.cell(name).nova('block_device_mapping'), bdms.filter((b) => cellOfInstance.get(b.instance_uuid as string) === name));
  }
}

function bdm(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    created_at: null,
    updated_at: null,
    deleted: 0,
    uuid: randomUUID(),
    instance_uuid: null,
    device_name: null,
    source_type: null,
    destination_type: null,
    boot_index: null,
    image_id: null,
    volume_id: null,
    volume_size: null,
    attachment_id: null,
    delete_on_termination: 0,
    connection_info: null,
    device_type: 'disk',
    disk_bus: 'virtio',
    no_device: null,
    ...fields,
  };
}
