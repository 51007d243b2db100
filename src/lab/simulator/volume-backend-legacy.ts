// nova-volume layout (Diablo): one row per volume in nova.volumes, attached to at most one
// instance through an integer instance_id plus mountpoint; no Cinder, no BDM rows for volumes.
// The volume API is served from that table with the integer id as a string. nova-volume is older
// than cells v2: its lab has one cell, cell1, and the volumes table (and the instances its
// instance_id points at) are cell1's.
import type { RowDataPacket, ResultSetHeader } from 'mysql2/promise';
import { volumeIqn } from '../sessions-file.js';
import type { Ctx, SimState } from './context.js';
import { cinderTime, fault } from './http-util.js';
import { KeyedMutex } from './keyed-mutex.js';
import { inTransaction } from './transaction.js';
import { recordAction } from './volume-backend-modern.js';
import {
  alreadyAttachedMessage,
  pickDevice,
  reserveStatusMessage,
  type InstanceRow,
  type NovaAttachmentView,
  type VolumeBackend,
  type VolumeListOptions,
  type VolumeRef,
} from './volume-backend.js';

type Rows = RowDataPacket[];

/** nova-volume's volume_name_template was 'volume-%08x'. */
export function legacyVolumeName(id: number): string {
  return `volume-${id.toString(16).padStart(8, '0')}`;
}

export class LegacyVolumeBackend implements VolumeBackend {
  private lock = new KeyedMutex();
  constructor(private readonly sim: SimState) {}

  private get db() {
    return this.sim.db;
  }

  private get cell1() {
    return this.sim.db.cell('cell1');
  }

  async volumesAttached(instances: InstanceRow[]): Promise<Map<string, VolumeRef[]>> {
    const out = new Map<string, VolumeRef[]>();
    if (instances.length === 0) return out;
    const byId = new Map(instances.map((i) => [i.id, i.uuid]));
    const [rows] = await this.db.pool.query<Rows>(
      `SELECT id, instance_id FROM ${this.cell1.nova('volumes')}
       WHERE instance_id IN (?) AND deleted = 0 AND attach_status = 'attached' ORDER BY id`,
      [[...byId.keys()]],
    );
    for (const r of rows) {
      const uuid = byId.get(r.instance_id)!;
      const list = out.get(uuid) ?? [];
      list.push({ id: String(r.id), delete_on_termination: false });
      out.set(uuid, list);
    }
    return out;
  }

  async listAttachments(inst: InstanceRow): Promise<NovaAttachmentView[]> {
    const [rows] = await this.db.pool.query<Rows>(
      `SELECT id, mountpoint FROM ${this.cell1.nova('volumes')}
       WHERE instance_id = ? AND deleted = 0 AND attach_status = 'attached' ORDER BY id`,
      [inst.id],
    );
    return rows.map((r) => ({ device: r.mountpoint, id: String(r.id), serverId: inst.uuid, volumeId: String(r.id) }));
  }

  async attach(ctx: Ctx, inst: InstanceRow, volumeId: string, requested: string | undefined): Promise<NovaAttachmentView> {
    const { db } = this;
    const t = this.cell1.nova('volumes');
    const id = /^\d+$/.test(volumeId) ? Number(volumeId) : -1;
    const [vols] = await db.pool.query<Rows>(`SELECT id, status, instance_id, attach_status FROM ${t} WHERE id = ? AND deleted = 0`, [id]);
    const vol = vols[0];
    if (!vol) throw fault(404, `Volume ${volumeId} could not be found.`);
    const device = await this.lock.run(inst.uuid, () =>
      inTransaction(db.pool, async (sql) => {
        if (vol.instance_id === inst.id && vol.attach_status === 'attached') {
          throw fault(400, alreadyAttachedMessage(volumeId, inst.uuid));
        }
        const [mine] = await sql.query<Rows>(
          `SELECT mountpoint FROM ${t} WHERE instance_id = ? AND deleted = 0 AND mountpoint IS NOT NULL`,
          [inst.id],
        );
        const picked = pickDevice(new Set(mine.map((m) => m.mountpoint as string)), requested, ctx.sim.settings.ignoreRequestedDevice);
        const [upd] = await sql.query<ResultSetHeader>(
          `UPDATE ${t} SET status = 'attaching', instance_id = ?, mountpoint = ?, updated_at = UTC_TIMESTAMP()
           WHERE id = ? AND deleted = 0 AND status = 'available'`,
          [inst.id, picked, id],
        );
        if (upd.affectedRows !== 1) {
          const [now] = await sql.query<Rows>(`SELECT status FROM ${t} WHERE id = ?`, [id]);
          throw fault(400, reserveStatusMessage(volumeId, now[0]?.status ?? vol.status, false, ctx.requestId));
        }
        await recordAction(ctx, inst, 'attach_volume', sql);
        return picked;
      }),
    );
    ctx.sim.timers.after(ctx.sim.settings.attachMs, () => this.complete(inst, id, device));
    return { device, id: volumeId, serverId: inst.uuid, volumeId };
  }

  private async complete(inst: InstanceRow, id: number, device: string): Promise<void> {
    const t = this.cell1.nova('volumes');
    const [still] = await this.db.pool.query<Rows>(
      `SELECT id FROM ${t} WHERE id = ? AND instance_id = ? AND mountpoint = ? AND status = 'attaching'`,
      [id, inst.id, device],
    );
    if (!still[0]) return;
    // The host session exists before the volume reads in-use, as on a real node.
    if (inst.host) await this.sim.sessions.add(inst.host, volumeIqn(legacyVolumeName(id)));
    await this.db.pool.query<ResultSetHeader>(
      `UPDATE ${t} SET status = 'in-use', attach_status = 'attached', attach_time = ?, updated_at = UTC_TIMESTAMP()
       WHERE id = ? AND instance_id = ? AND mountpoint = ? AND status = 'attaching'`,
      [new Date().toISOString(), id, inst.id, device],
    );
  }

  async moveAttachments(inst: InstanceRow): Promise<string[]> {
    // nova-volume kept no per-host attachment record: the new host just logs in to the targets.
    const [rows] = await this.db.pool.query<Rows>(
      `SELECT id FROM ${this.cell1.nova('volumes')} WHERE instance_id = ? AND deleted = 0 AND attach_status = 'attached' ORDER BY id`,
      [inst.id],
    );
    return rows.map((r) => volumeIqn(legacyVolumeName(r.id)));
  }

  async releaseVolumes(inst: InstanceRow): Promise<string[]> {
    const t = this.cell1.nova('volumes');
    const [rows] = await this.db.pool.query<Rows>(`SELECT id FROM ${t} WHERE instance_id = ? AND deleted = 0`, [inst.id]);
    await this.db.pool.query(
      `UPDATE ${t} SET instance_id = NULL, mountpoint = NULL, status = 'available', attach_status = 'detached', updated_at = UTC_TIMESTAMP()
       WHERE instance_id = ? AND deleted = 0`,
      [inst.id],
    );
    return rows.map((r) => volumeIqn(legacyVolumeName(r.id)));
  }

  async getVolume(ctx: Ctx, id: string): Promise<Record<string, unknown> | undefined> {
    if (!/^\d+$/.test(id)) return undefined;
    const [rows] = await this.db.pool.query<Rows>(`SELECT * FROM ${this.cell1.nova('volumes')} WHERE id = ? AND deleted = 0`, [Number(id)]);
    if (!rows[0]) return undefined;
    const uuids = await this.instanceUuids(rows);
    return legacyView(ctx, rows[0], uuids);
  }

  async listVolumes(ctx: Ctx, o: VolumeListOptions) {
    const t = this.cell1.nova('volumes');
    const where: string[] = ['deleted = 0'];
    const params: unknown[] = [];
    if (o.projectId) (where.push('project_id = ?'), params.push(o.projectId));
    if (o.status) (where.push('status = ?'), params.push(o.status));
    if (o.name) (where.push('display_name = ?'), params.push(o.name));
    if (o.marker) {
      if (!/^\d+$/.test(o.marker)) throw fault(400, `Invalid input received: marker [${o.marker}] not found`);
      const [m] = await this.db.pool.query<Rows>(`SELECT created_at, id FROM ${t} WHERE id = ?`, [Number(o.marker)]);
      if (!m[0]) throw fault(400, `Invalid input received: marker [${o.marker}] not found`);
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      params.push(m[0].created_at, m[0].created_at, m[0].id);
    }
    const [rows] = await this.db.pool.query<Rows>(
      `SELECT * FROM ${t} WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`,
      [...params, o.limit],
    );
    const uuids = await this.instanceUuids(rows);
    return {
      volumes: rows.map((r) => legacyView(ctx, r, uuids)),
      last: rows.length ? String(rows.at(-1)!.id) : undefined,
      full: rows.length === o.limit,
    };
  }

  private async instanceUuids(rows: Rows): Promise<Map<number, { uuid: string; host: string | null }>> {
    const ids = [...new Set(rows.map((r) => r.instance_id).filter((x) => x))];
    const out = new Map<number, { uuid: string; host: string | null }>();
    if (ids.length === 0) return out;
    const [inst] = await this.db.pool.query<Rows>(`SELECT id, uuid, host FROM ${this.cell1.nova('instances')} WHERE id IN (?)`, [ids]);
    for (const r of inst) out.set(r.id, { uuid: r.uuid, host: r.host });
    return out;
  }
}

function legacyView(ctx: Ctx, r: RowDataPacket, uuids: Map<number, { uuid: string; host: string | null }>) {
  const inst = r.instance_id ? uuids.get(r.instance_id) : undefined;
  const attached = r.attach_status === 'attached' && inst;
  return {
    id: String(r.id),
    name: r.display_name,
    description: r.display_description,
    status: r.status,
    size: r.size,
    availability_zone: r.availability_zone,
    bootable: 'false',
    encrypted: false,
    multiattach: false,
    attachments: attached
      ? [
          {
            id: String(r.id),
            attachment_id: null,
            volume_id: String(r.id),
            server_id: inst.uuid,
            host_name: inst.host,
            device: r.mountpoint,
            attached_at: r.attach_time,
          },
        ]
      : [],
    'os-vol-host-attr:host': r.host,
    'os-vol-tenant-attr:tenant_id': r.project_id,
    user_id: r.user_id,
    volume_type: null,
    metadata: {},
    links: [{ rel: 'self', href: `${ctx.sim.baseUrl}/volume/v3/${r.project_id}/volumes/${r.id}` }],
    created_at: cinderTime(r.created_at),
    updated_at: cinderTime(r.updated_at),
  };
}
