// GET /os-hypervisors and /os-hypervisors/detail as Zed answers them
// (api/openstack/compute/hypervisors.py), checked against a real Zed deployment:
//  - one entry per compute_nodes row (not deleted) whose host has a nova-compute service, in id
//    order: id (compute node id; its uuid from 2.53), hypervisor_hostname, state (the service up or
//    down), status (enabled/disabled);
//  - detail adds hypervisor_type, hypervisor_version, host_ip, service {id (uuid from 2.53), host,
//    disabled_reason}, then up to 2.87 the resource counters and cpu_info (a JSON string before
//    2.28, an object from 2.28); from 2.88 the counters are gone and uptime is added (null here:
//    the simulated computes report none);
//  - 2.33: limit/marker (compute node id) paging with hypervisors_links; extra parameters ignored;
//  - 2.53: marker is a compute node uuid; hypervisor_hostname_pattern (LIKE %pattern%, 404 when
//    nothing matches, no paging with it) and with_servers ({name: instance-xxxxxxxx, uuid} of the
//    host's instances; an empty list shown from 2.75); unknown parameters refused.
//  - cells: every compute cell's nodes, cell after cell (ids count per cell, which is why 2.53
//    moved to uuids).
import type { RowDataPacket } from 'mysql2/promise';
import type { CellDb } from '../lab-db.js';
import { computeCells, groupByCell } from './cells.js';
import { serviceUpSql } from './compute-services.js';
import type { Ctx, Reply } from './context.js';
import { ApiError, fault, novaBoolean, UUID_RE } from './http-util.js';
import { atLeast } from './microversion.js';
import { GENERIC_BAD_REQUEST, lastParam, nextLink, nonNegativeInteger, onlyParams, singleParam } from './query-params.js';

const MAX_LIMIT = 1000;

export async function listHypervisors(ctx: Ctx, detail: boolean): Promise<Reply> {
  const sp = ctx.url.searchParams;
  const v = ctx.version;
  const v253 = atLeast(v, 2, 53);
  const paged = atLeast(v, 2, 33);
  let limit: number | undefined;
  let marker: string | undefined;
  let pattern: string | undefined;
  let withServers = false;
  if (v253) onlyParams(sp, ['limit', 'marker', 'hypervisor_hostname_pattern', 'with_servers']);
  if (paged) {
    limit = Math.min((v253 ? nonNegativeInteger(sp, 'limit') : limitV233(sp)) ?? MAX_LIMIT, MAX_LIMIT);
    marker = v253 ? singleParam(sp, 'marker') : lastParam(sp, 'marker');
  }
  if (v253) {
    pattern = singleParam(sp, 'hypervisor_hostname_pattern');
    const ws = singleParam(sp, 'with_servers');
    withServers = ws === undefined ? false : queryBoolean('with_servers', ws);
  }
  const db = ctx.sim.db;
  const where = ['cn.deleted = 0'];
  const params: unknown[] = [ctx.sim.settings.serviceDownTimeMs];
  let links = paged;
  if (pattern !== undefined) {
    if (sp.has('limit') || marker) throw fault(400, GENERIC_BAD_REQUEST);
    links = false;
    where.push('cn.hypervisor_hostname LIKE ?');
    params.push(`%${pattern}%`);
  }
  // Every compute cell in cell_mappings order, each in id order; a marker starts after its row.
  let cells = await computeCells(ctx.sim);
  let markerId: number | undefined;
  if (pattern === undefined && marker !== undefined && marker !== '') {
    const byUuid = UUID_RE.test(marker);
    if (byUuid || /^-?\d+$/.test(marker)) {
      for (const [k, cell] of cells.entries()) {
        const [m] = await db.pool.query<RowDataPacket[]>(
          `SELECT id FROM ${cell.nova('compute_nodes')} WHERE ${byUuid ? 'uuid' : 'id'} = ? AND deleted = 0`,
          [byUuid ? marker : Number(marker)],
        );
        if (m[0]) {
          markerId = m[0].id;
          cells = cells.slice(k);
          break;
        }
      }
    }
    if (markerId === undefined) throw fault(400, `marker [${marker}] not found`);
  }
  if (limit === 0 && pattern === undefined) return { status: 200, body: { hypervisors: [] } };
  const paging = limit !== undefined && pattern === undefined;
  let rows: RowDataPacket[] = [];
  for (const [k, cell] of cells.entries()) {
    const after = k === 0 && markerId !== undefined;
    const [found] = await db.pool.query<RowDataPacket[]>(
      `SELECT cn.*, s.id AS service_id_, s.uuid AS service_uuid, s.disabled, s.disabled_reason, ${serviceUpSql('s')} AS up
       FROM ${cell.nova('compute_nodes')} cn
       JOIN ${cell.nova('services')} s ON s.host = cn.host AND s.\`binary\` = 'nova-compute' AND s.deleted = 0
       WHERE ${[...where, ...(after ? ['cn.id > ?'] : [])].join(' AND ')} ORDER BY cn.id${paging ? ' LIMIT ?' : ''}`,
      [...params, ...(after ? [markerId] : []), ...(paging ? [limit] : [])],
    );
    rows.push(...found.map((r) => Object.assign(r, { cell })));
  }
  if (paging) rows = rows.slice(0, limit);
  if (pattern !== undefined && rows.length === 0) throw fault(404, `No hypervisor matching '${pattern}' could be found.`);
  const servers = withServers ? await serversByHost(ctx, rows) : new Map<string, unknown[]>();
  const hypervisors = rows.map((r) => view(ctx, r, detail, withServers, servers.get(r.host) ?? []));
  const body: Record<string, unknown> = { hypervisors };
  if (links && limit && hypervisors.length === limit) {
    const base = `${ctx.sim.baseUrl}/compute/v2.1/os-hypervisors${detail ? '/detail' : ''}`;
    body.hypervisors_links = [{ rel: 'next', href: nextLink(base, sp, hypervisors.at(-1)!.id as string | number) }];
  }
  return { status: 200, body };
}

/** parameter_types.boolean on a query parameter: Nova's message says "query parameters", not "field/attribute". */
function queryBoolean(key: string, value: string): boolean {
  try {
    return novaBoolean(key, value);
  } catch (e) {
    if (e instanceof ApiError) {
      const msg: string = (e.body as any).badRequest.message;
      throw fault(400, msg.replace(/^Invalid input for field\/attribute /, 'Invalid input for query parameters '));
    }
    throw e;
  }
}

/** 2.33-2.52: pagination_parameters (limit validated, other parameters stripped). */
function limitV233(sp: URLSearchParams): number | undefined {
  return sp.has('limit') ? nonNegativeInteger(sp, 'limit') : undefined;
}

/** Each compute node's instances, read in the node's cell. */
async function serversByHost(ctx: Ctx, nodes: RowDataPacket[]): Promise<Map<string, unknown[]>> {
  const out = new Map<string, unknown[]>();
  const rows: RowDataPacket[] = [];
  for (const { cell, rows: inCell } of groupByCell(nodes as (RowDataPacket & { cell: CellDb })[])) {
    const [found] = await ctx.sim.db.pool.query<RowDataPacket[]>(
      `SELECT id, uuid, host FROM ${cell.nova('instances')} WHERE deleted = 0 AND host IN (?) ORDER BY id`,
      [inCell.map((r) => r.host)],
    );
    rows.push(...found);
  }
  for (const r of rows) {
    const list = out.get(r.host) ?? [];
    list.push({ name: `instance-${Number(r.id).toString(16).padStart(8, '0')}`, uuid: r.uuid });
    out.set(r.host, list);
  }
  return out;
}

function view(ctx: Ctx, r: RowDataPacket, detail: boolean, withServers: boolean, servers: unknown[]): Record<string, unknown> {
  const v = ctx.version;
  const v253 = atLeast(v, 2, 53);
  const out: Record<string, unknown> = {
    id: v253 ? r.uuid : r.id,
    hypervisor_hostname: r.hypervisor_hostname,
    state: r.up ? 'up' : 'down',
    status: r.disabled ? 'disabled' : 'enabled',
  };
  if (detail) {
    out.hypervisor_type = r.hypervisor_type;
    out.hypervisor_version = r.hypervisor_version;
    out.host_ip = r.host_ip;
    out.service = { id: v253 ? r.service_uuid : r.service_id_, host: r.host, disabled_reason: r.disabled_reason };
    if (!atLeast(v, 2, 88)) {
      for (const f of [
        'vcpus', 'memory_mb', 'local_gb', 'vcpus_used', 'memory_mb_used', 'local_gb_used',
        'free_ram_mb', 'free_disk_gb', 'current_workload', 'running_vms', 'disk_available_least',
      ]) {
        out[f] = r[f];
      }
      if (!atLeast(v, 2, 28)) out.cpu_info = r.cpu_info;
      else out.cpu_info = r.cpu_info ? JSON.parse(r.cpu_info) : {};
    } else {
      out.uptime = null;
    }
  }
  if (servers.length > 0) out.servers = servers;
  else if (withServers && atLeast(v, 2, 75)) out.servers = [];
  return out;
}
