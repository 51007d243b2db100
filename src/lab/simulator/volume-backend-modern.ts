// Modern layout: cinder.volumes + cinder.volume_attachment, and Nova's block_device_mapping.
// Attach follows the new-style attachment flow: reserve (attaching), then after attachMs the
// attachment completes (in-use / attached), the BDM gets its connection_info and the host an
// iSCSI session.
import { randomUUID } from 'node:crypto';
import type { RowDataPacket, ResultSetHeader } from 'mysql2/promise';
import { volumeIqn } from '../sessions-file.js';
import { groupByCell } from './cells.js';
import type { Ctx, SimState } from './context.js';
import { cinderTime, fault } from './http-util.js';
import { KeyedMutex } from './keyed-mutex.js';
import { inTransaction, type Sql } from './transaction.js';
import {
  alreadyAttachedMessage,
  connectionInfo,
  connector,
  pickDevice,
  reserveStatusMessage,
  type InstanceRow,
  type NovaAttachmentView,
  type VolumeBackend,
  type VolumeListOptions,
  type VolumeRef,
} from './volume-backend.js';

type Rows = RowDataPacket[];

export class ModernVolumeBackend implements VolumeBackend {
  private lock = new KeyedMutex();
  constructor(private readonly sim: SimState) {}

  private get db() {
    return this.sim.db;
  }

  async volumesAttached(instances: InstanceRow[]): Promise<Map<string, VolumeRef[]>> {
    const out = new Map<string, VolumeRef[]>();
    const rows: Rows = [];
    for (const { cell, rows: inCell } of groupByCell(instances)) {
      const [found] = await this.db.pool.query<Rows>(
        `SELECT instance_uuid, volume_id, delete_on_termination FROM ${cell.nova('block_device_mapping')}
         WHERE instance_uuid IN (?) AND deleted = 0 AND destination_type = 'volume' AND volume_id IS NOT NULL
         ORDER BY id`,
        [inCell.map((i) => i.uuid)],
      );
      rows.push(...found);
    }
    for (const r of rows) {
      const list = out.get(r.instance_uuid) ?? [];
      list.push({ id: r.volume_id, delete_on_termination: Boolean(r.delete_on_termination) });
      out.set(r.instance_uuid, list);
    }
    return out;
  }

  async listAttachments(instance: InstanceRow): Promise<NovaAttachmentView[]> {
    const [rows] = await this.db.pool.query<Rows>(
      `SELECT device_name, volume_id FROM ${instance.cell.nova('block_device_mapping')}
       WHERE instance_uuid = ? AND deleted = 0 AND destination_type = 'volume' AND volume_id IS NOT NULL ORDER BY id`,
      [instance.uuid],
    );
    return rows.map((r) => ({ device: r.device_name, id: r.volume_id, serverId: instance.uuid, volumeId: r.volume_id }));
  }

  async attach(ctx: Ctx, inst: InstanceRow, volumeId: string, requested: string | undefined): Promise<NovaAttachmentView> {
    const { db } = this;
    const [vols] = await db.pool.query<Rows>(
      `SELECT id, status, multiattach, size, _name_id FROM ${db.cinder('volumes')} WHERE id = ? AND deleted = 0`,
      [volumeId],
    );
    const vol = vols[0];
    if (!vol) throw fault(404, `Volume ${volumeId} could not be found.`);
    const reserved = await this.lock.run(inst.uuid, () =>
      inTransaction(db.pool, async (sql) => {
        const [bdms] = await sql.query<Rows>(
          `SELECT device_name, volume_id FROM ${inst.cell.nova('block_device_mapping')} WHERE instance_uuid = ? AND deleted = 0`,
          [inst.uuid],
        );
        if (bdms.some((b) => b.volume_id === volumeId)) throw fault(400, alreadyAttachedMessage(volumeId, inst.uuid));
        const [upd] = await sql.query<ResultSetHeader>(
          `UPDATE ${db.cinder('volumes')} SET status = 'attaching', previous_status = status, updated_at = UTC_TIMESTAMP()
           WHERE id = ? AND deleted = 0 AND (status = 'available' OR (status = 'in-use' AND multiattach = 1))`,
          [volumeId],
        );
        if (upd.affectedRows !== 1) {
          const [now] = await sql.query<Rows>(`SELECT status FROM ${db.cinder('volumes')} WHERE id = ?`, [volumeId]);
          throw fault(400, reserveStatusMessage(volumeId, now[0]?.status ?? vol.status, Boolean(vol.multiattach), ctx.requestId));
        }
        const used = new Set(bdms.map((b) => b.device_name as string).filter(Boolean));
        const device = pickDevice(used, requested, ctx.sim.settings.ignoreRequestedDevice);
        const attachmentId = randomUUID();
        await sql.query(
          `INSERT INTO ${db.cinder('volume_attachment')}
           (created_at, deleted, id, volume_id, instance_uuid, attach_mode, attach_status)
           VALUES (UTC_TIMESTAMP(), 0, ?, ?, ?, 'rw', 'reserved')`,
          [attachmentId, volumeId, inst.uuid],
        );
        await sql.query(
          `INSERT INTO ${inst.cell.nova('block_device_mapping')}
           (created_at, deleted, uuid, instance_uuid, device_name, delete_on_termination, volume_id, volume_size,
            source_type, destination_type, device_type, disk_bus, boot_index, attachment_id)
           VALUES (UTC_TIMESTAMP(), 0, ?, ?, ?, 0, ?, ?, 'volume', 'volume', 'disk', 'virtio', NULL, ?)`,
          [randomUUID(), inst.uuid, device, volumeId, vol.size, attachmentId],
        );
        await recordAction(ctx, inst, 'attach_volume', sql);
        return { device, attachmentId };
      }),
    );
    // Scheduled once the reservation is committed, so the completion never reads rows not yet there.
    const { device, attachmentId } = reserved;
    const iqn = volumeIqn(`volume-${vol._name_id ?? volumeId}`);
    ctx.sim.timers.after(ctx.sim.settings.attachMs, () => this.complete(inst, volumeId, attachmentId, device, iqn));
    return { device, id: volumeId, serverId: inst.uuid, volumeId };
  }

  private async complete(inst: InstanceRow, volumeId: string, attachmentId: string, device: string, iqn: string): Promise<void> {
    const { db } = this;
    const host = inst.host ?? '';
    const conn = JSON.stringify(connectionInfo(volumeId, iqn));
    const [live] = await db.pool.query<Rows>(
      `SELECT id FROM ${db.cinder('volume_attachment')} WHERE id = ? AND deleted = 0`,
      [attachmentId],
    );
    // Someone cleaned the attachment away meanwhile: leave the volume as they left it.
    if (!live[0]) return;
    // Same order as a real attach: the host logs in (os-brick), Nova saves connection_info,
    // then Cinder marks the attachment complete - so "in-use" implies a session exists.
    if (host) await this.sim.sessions.add(host, iqn);
    await inTransaction(db.pool, async (sql) => {
      // By instance and attachment: block_device_mapping has no index on attachment_id alone, and
      // a scan under UPDATE locks every row it reads, which held up every other attach's insert.
      await sql.query(
        `UPDATE ${inst.cell.nova('block_device_mapping')} SET connection_info = ?, updated_at = UTC_TIMESTAMP()
         WHERE instance_uuid = ? AND attachment_id = ? AND deleted = 0`,
        [conn, inst.uuid, attachmentId],
      );
      await sql.query(
        `UPDATE ${db.cinder('volume_attachment')} SET attach_status = 'attached', mountpoint = ?, attach_time = UTC_TIMESTAMP(),
           attached_host = ?, connection_info = ?, connector = ?, updated_at = UTC_TIMESTAMP()
         WHERE id = ? AND deleted = 0`,
        [device, host, conn, JSON.stringify(connector(host)), attachmentId],
      );
      await sql.query(
        `UPDATE ${db.cinder('volumes')} SET status = 'in-use', attach_status = 'attached', previous_status = NULL,
           updated_at = UTC_TIMESTAMP() WHERE id = ?`,
        [volumeId],
      );
    });
  }

  async moveAttachments(inst: InstanceRow, host: string): Promise<string[]> {
    const { db } = this;
    const [bdms] = await db.pool.query<Rows>(
      `SELECT b.id, b.volume_id, b.device_name, b.attachment_id, v._name_id FROM ${inst.cell.nova('block_device_mapping')} b
       LEFT JOIN ${db.cinder('volumes')} v ON v.id = b.volume_id
       WHERE b.instance_uuid = ? AND b.deleted = 0 AND b.destination_type = 'volume' AND b.volume_id IS NOT NULL ORDER BY b.id`,
      [inst.uuid],
    );
    const iqns: string[] = [];
    for (const b of bdms) {
      const iqn = volumeIqn(`volume-${b._name_id ?? b.volume_id}`);
      const conn = JSON.stringify(connectionInfo(b.volume_id, iqn));
      const attachmentId = randomUUID();
      // detach_block_devices: attachment_create for the instance, then the old attachment is deleted.
      await db.pool.query(
        `INSERT INTO ${db.cinder('volume_attachment')}
         (created_at, updated_at, deleted, id, volume_id, instance_uuid, attached_host, mountpoint, attach_time, attach_mode, attach_status, connection_info, connector)
         VALUES (UTC_TIMESTAMP(), UTC_TIMESTAMP(), 0, ?, ?, ?, ?, ?, UTC_TIMESTAMP(), 'rw', 'attached', ?, ?)`,
        [attachmentId, b.volume_id, inst.uuid, host, b.device_name, conn, JSON.stringify(connector(host))],
      );
      if (b.attachment_id) {
        await db.pool.query(
          `UPDATE ${db.cinder('volume_attachment')} SET deleted = 1, deleted_at = UTC_TIMESTAMP(), attach_status = 'detached',
             detach_time = UTC_TIMESTAMP(), updated_at = UTC_TIMESTAMP() WHERE id = ? AND deleted = 0`,
          [b.attachment_id],
        );
      }
      await db.pool.query(
        `UPDATE ${inst.cell.nova('block_device_mapping')} SET attachment_id = ?, connection_info = ?, updated_at = UTC_TIMESTAMP() WHERE id = ?`,
        [attachmentId, conn, b.id],
      );
      await db.pool.query(
        `UPDATE ${db.cinder('volumes')} SET status = 'in-use', attach_status = 'attached', updated_at = UTC_TIMESTAMP() WHERE id = ?`,
        [b.volume_id],
      );
      iqns.push(iqn);
    }
    return iqns;
  }

  async releaseVolumes(inst: InstanceRow): Promise<string[]> {
    const { db } = this;
    const [bdms] = await db.pool.query<Rows>(
      `SELECT b.volume_id, b.delete_on_termination, v._name_id FROM ${inst.cell.nova('block_device_mapping')} b
       LEFT JOIN ${db.cinder('volumes')} v ON v.id = b.volume_id
       WHERE b.instance_uuid = ? AND b.deleted = 0 AND b.destination_type = 'volume' AND b.volume_id IS NOT NULL`,
      [inst.uuid],
    );
    const iqns: string[] = [];
    for (const b of bdms) {
      await db.pool.query(
        `UPDATE ${db.cinder('volume_attachment')} SET deleted = 1, deleted_at = UTC_TIMESTAMP(), attach_status = 'detached',
           detach_time = UTC_TIMESTAMP(), updated_at = UTC_TIMESTAMP() WHERE volume_id = ? AND instance_uuid = ? AND deleted = 0`,
        [b.volume_id, inst.uuid],
      );
      const [left] = await db.pool.query<Rows>(
        `SELECT COUNT(*) AS n FROM ${db.cinder('volume_attachment')} WHERE volume_id = ? AND deleted = 0`,
        [b.volume_id],
      );
      if (b.delete_on_termination) {
        await db.pool.query(
          `UPDATE ${db.cinder('volumes')} SET status = 'deleted', attach_status = 'detached', deleted = 1, deleted_at = UTC_TIMESTAMP(),
             terminated_at = UTC_TIMESTAMP(), updated_at = UTC_TIMESTAMP() WHERE id = ?`,
          [b.volume_id],
        );
      } else if (Number(left[0].n) === 0) {
        await db.pool.query(
          `UPDATE ${db.cinder('volumes')} SET status = 'available', attach_status = 'detached', updated_at = UTC_TIMESTAMP() WHERE id = ?`,
          [b.volume_id],
        );
      }
      iqns.push(volumeIqn(`volume-${b._name_id ?? b.volume_id}`));
    }
    await db.pool.query(
      `UPDATE ${inst.cell.nova('block_device_mapping')} SET deleted = id, deleted_at = UTC_TIMESTAMP(), updated_at = UTC_TIMESTAMP()
       WHERE instance_uuid = ? AND deleted = 0`,
      [inst.uuid],
    );
    return iqns;
  }

  async getVolume(ctx: Ctx, id: string): Promise<Record<string, unknown> | undefined> {
    const [rows] = await this.db.pool.query<Rows>(
      `SELECT * FROM ${this.db.cinder('volumes')} WHERE id = ? AND deleted = 0`,
      [id],
    );
    if (!rows[0]) return undefined;
    const atts = await this.attachmentsOf([id]);
    return volumeView(ctx, rows[0], atts.get(id) ?? []);
  }

  async listVolumes(ctx: Ctx, o: VolumeListOptions) {
    const t = this.db.cinder('volumes');
    const where: string[] = ['deleted = 0'];
    const params: unknown[] = [];
    if (o.projectId) (where.push('project_id = ?'), params.push(o.projectId));
    if (o.status) (where.push('status = ?'), params.push(o.status));
    if (o.name) (where.push('display_name = ?'), params.push(o.name));
    if (o.marker) {
      const [m] = await this.db.pool.query<Rows>(`SELECT created_at, id FROM ${t} WHERE id = ?`, [o.marker]);
      if (!m[0]) throw fault(400, `Invalid input received: marker [${o.marker}] not found`);
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      params.push(m[0].created_at, m[0].created_at, m[0].id);
    }
    const [rows] = await this.db.pool.query<Rows>(
      `SELECT * FROM ${t} WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`,
      [...params, o.limit],
    );
    const atts = await this.attachmentsOf(rows.map((r) => r.id));
    const volumes = rows.map((r) => volumeView(ctx, r, atts.get(r.id) ?? []));
    return { volumes, last: rows.at(-1)?.id as string | undefined, full: rows.length === o.limit };
  }

  private async attachmentsOf(ids: string[]): Promise<Map<string, Record<string, unknown>[]>> {
    const out = new Map<string, Record<string, unknown>[]>();
    if (ids.length === 0) return out;
    const [rows] = await this.db.pool.query<Rows>(
      `SELECT id, volume_id, instance_uuid, attached_host, mountpoint, attach_time FROM ${this.db.cinder('volume_attachment')}
       WHERE volume_id IN (?) AND deleted = 0 AND attach_status = 'attached' ORDER BY created_at, id`,
      [ids],
    );
    for (const r of rows) {
      const list = out.get(r.volume_id) ?? [];
      list.push({
        id: r.volume_id,
        attachment_id: r.id,
        volume_id: r.volume_id,
        server_id: r.instance_uuid,
        host_name: r.attached_host,
        device: r.mountpoint,
        attached_at: cinderTime(r.attach_time),
      });
      out.set(r.volume_id, list);
    }
    return out;
  }
}

function volumeView(ctx: Ctx, r: RowDataPacket, attachments: Record<string, unknown>[]): Record<string, unknown> {
  const base = `${ctx.sim.baseUrl}/volume/v3/${r.project_id}/volumes/${r.id}`;
  return {
    id: r.id,
    name: r.display_name,
    description: r.display_description,
    status: r.status,
    size: r.size,
    availability_zone: r.availability_zone,
    bootable: r.bootable ? 'true' : 'false',
    encrypted: Boolean(r.encryption_key_id),
    multiattach: Boolean(r.multiattach),
    attachments,
    'os-vol-host-attr:host': r.host,
    'os-vol-tenant-attr:tenant_id': r.project_id,
    'os-vol-mig-status-attr:migstat': r.migration_status,
    'os-vol-mig-status-attr:name_id': r._name_id,
    user_id: r.user_id,
    volume_type: 'lvmdriver-1',
    volume_type_id: r.volume_type_id,
    snapshot_id: r.snapshot_id,
    source_volid: r.source_volid,
    consistencygroup_id: r.consistencygroup_id,
    group_id: r.group_id,
    replication_status: r.replication_status,
    migration_status: r.migration_status,
    metadata: {},
    links: [{ rel: 'self', href: base }],
    created_at: cinderTime(r.created_at),
    updated_at: cinderTime(r.updated_at),
  };
}

export async function recordAction(ctx: Ctx, inst: InstanceRow, action: string, sql: Sql = ctx.sim.db.pool): Promise<number> {
  const [res] = await sql.query<ResultSetHeader>(
    `INSERT INTO ${inst.cell.nova('instance_actions')}
     (created_at, deleted, action, instance_uuid, request_id, user_id, project_id, start_time)
     VALUES (UTC_TIMESTAMP(), 0, ?, ?, ?, ?, ?, UTC_TIMESTAMP())`,
    [action, inst.uuid, ctx.requestId, ctx.token?.userId ?? null, ctx.token?.projectId ?? null],
  );
  return res.insertId;
}
