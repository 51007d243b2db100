// GET /servers, /servers/detail, /servers/{id}: read straight from the cell DBs on every call. A
// server is found through its instance mapping; a list asks every mapped cell, cell0 included (it
// holds the instances that never scheduled), and merges the answers in the list's order.
import { createHash } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import type { CellDb } from '../lab-db.js';
import { groupByCell } from './cells.js';
import type { Ctx, Reply } from './context.js';
import { fault, novaTime, UUID_RE } from './http-util.js';
import { atLeast } from './microversion.js';
import { CHANGES_ORDER_MESSAGE, dateTimeParam, lastParam, sqlTime } from './query-params.js';
import { serverStatus, statusSqlExpr } from './state-map.js';
import type { InstanceRow, VolumeBackend, VolumeRef } from './volume-backend.js';

const MAX_LIMIT = 1000; // nova's [api] max_limit default

const COLUMNS = `id, uuid, display_name, vm_state, task_state, power_state, host, node, project_id, user_id,
  created_at, updated_at, launched_at, availability_zone, root_device_name, image_ref, key_name, hostname,
  vcpus, memory_mb, root_gb, ephemeral_gb, terminated_at, deleted`;

/** The instance by uuid; `readDeleted` also finds a deleted one (Nova's read_deleted='yes'). */
export async function findInstance(ctx: Ctx, id: string, opts: { readDeleted?: boolean } = {}): Promise<InstanceRow> {
  if (UUID_RE.test(id)) {
    const cell = await ctx.sim.db.cellOfInstance(id);
    if (cell) {
      const [rows] = await ctx.sim.db.pool.query<RowDataPacket[]>(
        `SELECT ${COLUMNS} FROM ${cell.nova('instances')} WHERE uuid = ?${opts.readDeleted ? '' : ' AND deleted = 0'}`,
        [id],
      );
      if (rows[0]) return { ...(rows[0] as Omit<InstanceRow, 'cell'>), cell };
    }
  }
  throw fault(404, `Instance ${id} could not be found.`);
}

function isAdminAllTenants(ctx: Ctx): boolean {
  const v = ctx.url.searchParams.get('all_tenants');
  return v !== null && !['0', 'false', 'False', 'off'].includes(v);
}

// Filters as servers.py _get_servers applies them for an admin (the lab's tokens are admin):
//  - a repeated parameter keeps its last value (search_opts.update(req.GET));
//  - vm_state and task_state: exact matches (an empty value matches nothing);
//  - changes-since (from 2.1) and changes-before (from 2.66; stripped as unknown before): updated_at
//    >= / <=, and then deleted instances are listed too (status DELETED), unless `deleted` is given;
//    changes-before earlier than changes-since is a 400;
//  - deleted=true lists only deleted instances, any other value only live ones.
export async function listServers(ctx: Ctx, backend: VolumeBackend, detail: boolean): Promise<Reply> {
  const sp = ctx.url.searchParams;
  const where: string[] = [];
  const params: unknown[] = [];
  const since = dateTimeParam(sp, 'changes-since', false);
  const before = atLeast(ctx.version, 2, 66) ? dateTimeParam(sp, 'changes-before', false) : undefined;
  if (since && before && before < since) throw fault(400, CHANGES_ORDER_MESSAGE);
  const deletedParam = lastParam(sp, 'deleted');
  if (deletedParam !== undefined) {
    where.push(isTrue(deletedParam) ? "(deleted = id OR vm_state = 'soft-delete')" : "deleted = 0 AND (vm_state IS NULL OR vm_state <> 'soft-delete')");
  } else if (!since && !before) {
    where.push('deleted = 0');
  }
  if (since) (where.push('updated_at >= ?'), params.push(sqlTime(since)));
  if (before) (where.push('updated_at <= ?'), params.push(sqlTime(before)));
  for (const key of ['vm_state', 'task_state']) {
    const val = lastParam(sp, key);
    if (val !== undefined) (where.push(`${key} = ?`), params.push(val));
  }
  if (!isAdminAllTenants(ctx)) (where.push('project_id = ?'), params.push(sp.get('project_id') ?? ctx.token!.projectId));
  else if (sp.get('project_id')) (where.push('project_id = ?'), params.push(sp.get('project_id')));
  const host = sp.get('host');
  if (host) (where.push('host = ?'), params.push(host));
  const name = sp.get('name');
  // Nova filters names with a regular expression (REGEXP on MySQL), not equality.
  if (name) (where.push('display_name REGEXP ?'), params.push(name));
  const status = sp.get('status');
  if (status) (where.push(`${statusSqlExpr()} = ?`), params.push(status.toUpperCase()));
  const uuid = sp.get('uuid');
  if (uuid) (where.push('uuid = ?'), params.push(uuid));
  const limitText = sp.get('limit');
  let limit = MAX_LIMIT;
  if (limitText !== null) {
    if (!/^\d+$/.test(limitText)) throw fault(400, "Invalid input for query parameters limit. Value: " + limitText + ". '" + limitText + "' does not match '^[0-9]*$'");
    limit = Math.min(Number(limitText), MAX_LIMIT);
  }
  const marker = sp.get('marker');
  const cells = await ctx.sim.db.mappedCells();
  if (marker) {
    const m = await markerRow(ctx, cells, marker);
    if (!m) throw fault(400, `marker [${marker}] not found`);
    where.push('(created_at < ? OR (created_at = ? AND id < ?))');
    params.push(m.created_at, m.created_at, m.id);
  }
  // Each cell's first page, then one page of the merge: what a page of the whole cloud holds.
  const perCell = await Promise.all(
    cells.map(async (cell) => {
      const [rows] = await ctx.sim.db.pool.query<RowDataPacket[]>(
        `SELECT ${COLUMNS} FROM ${cell.nova('instances')} WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`,
        [...params, limit],
      );
      return rows.map((r) => ({ ...(r as Omit<InstanceRow, 'cell'>), cell }));
    }),
  );
  const instances: InstanceRow[] = perCell
    .flat()
    .sort((a, b) => (b.created_at?.getTime() ?? 0) - (a.created_at?.getTime() ?? 0) || b.id - a.id)
    .slice(0, limit);
  const base = `${ctx.sim.baseUrl}/compute/v2.1`;
  let servers: unknown[];
  if (detail) {
    const [vols, addrs, meta] = await Promise.all([backend.volumesAttached(instances), addresses(ctx, instances), metadata(ctx, instances)]);
    servers = instances.map((i) => serverView(ctx, i, vols.get(i.uuid) ?? [], addrs.get(i.uuid) ?? {}, meta.get(i.uuid) ?? {}));
  } else {
    servers = instances.map((i) => ({ id: i.uuid, name: i.display_name, links: links(base, i) }));
  }
  const body: Record<string, unknown> = { servers };
  // Nova adds a next link whenever a page came back full.
  if (instances.length === limit && instances.length > 0) {
    const next = new URLSearchParams(sp);
    next.set('limit', String(limit));
    next.set('marker', instances.at(-1)!.uuid);
    body.servers_links = [{ rel: 'next', href: `${base}/servers${detail ? '/detail' : ''}?${next.toString()}` }];
  }
  return { status: 200, body };
}

async function markerRow(ctx: Ctx, cells: CellDb[], uuid: string): Promise<RowDataPacket | undefined> {
  for (const cell of cells) {
    const [m] = await ctx.sim.db.pool.query<RowDataPacket[]>(`SELECT created_at, id FROM ${cell.nova('instances')} WHERE uuid = ?`, [uuid]);
    if (m[0]) return m[0];
  }
  return undefined;
}

export async function showServer(ctx: Ctx, backend: VolumeBackend, id: string): Promise<Reply> {
  const inst = await findInstance(ctx, id);
  const [vols, addrs, meta] = await Promise.all([backend.volumesAttached([inst]), addresses(ctx, [inst]), metadata(ctx, [inst])]);
  return {
    status: 200,
    body: { server: serverView(ctx, inst, vols.get(inst.uuid) ?? [], addrs.get(inst.uuid) ?? {}, meta.get(inst.uuid) ?? {}) },
  };
}

/** oslo strutils.bool_from_string(default=False). */
function isTrue(v: string): boolean {
  return ['1', 't', 'true', 'on', 'y', 'yes'].includes(v.trim().toLowerCase());
}

/** Nova shows progress only for these statuses (views/servers.py _progress_statuses). */
const PROGRESS_STATUSES = ['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING'];

function links(base: string, i: InstanceRow) {
  return [
    { rel: 'self', href: `${base}/servers/${i.uuid}` },
    { rel: 'bookmark', href: `${base.replace(/\/v2\.1$/, '')}/servers/${i.uuid}` },
  ];
}

function serverView(ctx: Ctx, i: InstanceRow, volumes: VolumeRef[], addrs: Record<string, unknown[]>, meta: Record<string, string>) {
  const base = `${ctx.sim.baseUrl}/compute/v2.1`;
  const status = serverStatus(i.vm_state, i.task_state);
  const deleted = Boolean((i as { deleted?: number }).deleted);
  const view: Record<string, unknown> = {
    id: i.uuid,
    name: i.display_name,
    status,
    tenant_id: i.project_id,
    user_id: i.user_id,
    metadata: meta,
    // Nova's hostId: sha224(project_id + host), so tenants cannot learn host names.
    hostId: i.host ? createHash('sha224').update(`${i.project_id}${i.host}`).digest('hex') : '',
    image: i.image_ref ? { id: i.image_ref, links: [] } : '',
    flavor: { id: '1', links: [] },
    created: novaTime(i.created_at),
    updated: novaTime(i.updated_at ?? i.created_at),
    addresses: addrs,
    accessIPv4: '',
    accessIPv6: '',
    links: links(base, i),
    key_name: i.key_name,
    progress: 0,
    config_drive: '',
    'OS-DCF:diskConfig': 'MANUAL',
    'OS-EXT-AZ:availability_zone': i.availability_zone ?? 'nova',
    'OS-EXT-STS:vm_state': i.vm_state,
    'OS-EXT-STS:task_state': i.task_state,
    'OS-EXT-STS:power_state': i.power_state,
    'OS-EXT-SRV-ATTR:host': i.host,
    'OS-EXT-SRV-ATTR:hypervisor_hostname': i.node,
    'OS-EXT-SRV-ATTR:instance_name': `instance-${i.id.toString(16).padStart(8, '0')}`,
    'OS-SRV-USG:launched_at': i.launched_at ? i.launched_at.toISOString().replace('Z', '000') : null,
    'OS-SRV-USG:terminated_at': novaTime6((i as { terminated_at?: unknown }).terminated_at),
    'os-extended-volumes:volumes_attached': volumes,
    security_groups: [{ name: 'default' }],
  };
  // A deleted instance (listed by changes-since/-before): no progress (status DELETED is not one
  // Nova shows it for), and no ports left to have security groups.
  if (deleted && !PROGRESS_STATUSES.includes(status)) delete view.progress;
  if (deleted) delete view.security_groups;
  return view;
}

const novaTime6 = (d: unknown) => (d instanceof Date ? d.toISOString().replace(/\.(\d{3})Z$/, '.$1000') : null);

/** Server metadata (instance_metadata), by instance uuid. */
async function metadata(ctx: Ctx, instances: InstanceRow[]): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (const r of await perCell(ctx, instances, 'SELECT instance_uuid, `key`, value FROM ? WHERE instance_uuid IN (?) AND deleted = 0 ORDER BY id', 'instance_metadata')) {
    const m = out.get(r.instance_uuid) ?? {};
    m[r.key] = r.value;
    out.set(r.instance_uuid, m);
  }
  return out;
}

/** network_info (a list of VIFs) from instance_info_caches, in the API's addresses shape. */
async function addresses(ctx: Ctx, instances: InstanceRow[]): Promise<Map<string, Record<string, unknown[]>>> {
  const out = new Map<string, Record<string, unknown[]>>();
  for (const r of await perCell(ctx, instances, 'SELECT instance_uuid, network_info FROM ? WHERE instance_uuid IN (?) AND deleted = 0', 'instance_info_caches')) {
    const result: Record<string, unknown[]> = {};
    let vifs: any[] = [];
    try {
      vifs = JSON.parse(r.network_info ?? '[]');
    } catch {
      vifs = [];
    }
    for (const vif of vifs) {
      const label = vif?.network?.label ?? 'private';
      for (const subnet of vif?.network?.subnets ?? []) {
        for (const ip of subnet.ips ?? []) {
          (result[label] ??= []).push({
            version: ip.version ?? 4,
            addr: ip.address,
            'OS-EXT-IPS:type': 'fixed',
            'OS-EXT-IPS-MAC:mac_addr': vif.address,
          });
          for (const f of ip.floating_ips ?? []) {
            result[label].push({ version: 4, addr: f.address, 'OS-EXT-IPS:type': 'floating', 'OS-EXT-IPS-MAC:mac_addr': vif.address });
          }
        }
      }
    }
    out.set(r.instance_uuid, result);
  }
  return out;
}

/** One query per cell the instances are in; `sql` names the cell's table with its first `?`. */
async function perCell(ctx: Ctx, instances: InstanceRow[], sql: string, table: string): Promise<RowDataPacket[]> {
  const out: RowDataPacket[] = [];
  for (const { cell, rows } of groupByCell(instances)) {
    const [found] = await ctx.sim.db.pool.query<RowDataPacket[]>(sql.replace('?', cell.nova(table)), [rows.map((i) => i.uuid)]);
    out.push(...found);
  }
  return out;
}
