// GET /os-migrations and GET /servers/{id}/migrations as Zed answers them
// (api/openstack/compute/migrations.py, server_migrations.py, db migration_get_all_by_filters),
// checked against a real Zed deployment:
//  - rows of the cell DB's migrations table; deleted rows never shown, hidden rows dropped from the
//    answer; times as 2026-11-22T03:43:16.000000;
//  - 2.1-2.22: id, source/dest compute, node, dest_host, old/new_instance_type_id, instance_uuid,
//    status, created_at, updated_at; in id order; filters hidden, host (source or destination),
//    instance_uuid, source_compute, status, migration_type (a repeated one keeps its last value),
//    any other parameter ignored;
//  - 2.23: migration_type added, and links - only for a live-migration in progress;
//  - 2.59: uuid added; newest first (created_at, id descending); limit/marker paging (a marker is
//    a migration uuid, "Marker X could not be found." if no row - deleted ones included - has it)
//    with migrations_links; changes-since (updated_at >=); unknown parameters refused;
//  - 2.66: changes-before (updated_at <=); 2.80: user_id and project_id shown and filterable.
//  - GET /servers/{id}/migrations (from 2.23): the instance's live migrations in progress.
//  - cells: every mapped cell is asked and the answers merged in the list's order (newest first
//    from 2.59, else cell after cell in id order); a server's migrations are read in its cell.
import type { RowDataPacket } from 'mysql2/promise';
import type { Ctx, Reply } from './context.js';
import { cinderTime, fault } from './http-util.js';
import { atLeast } from './microversion.js';
import { findInstance } from './nova-servers.js';
import {
  CHANGES_ORDER_MESSAGE,
  dateTimeParam,
  lastParam,
  nextLink,
  nonNegativeInteger,
  onlyParams,
  singleParam,
  sqlTime,
} from './query-params.js';

const MAX_LIMIT = 1000;
const LIVE_IN_PROGRESS = ['queued', 'preparing', 'running', 'post-migrating'];
const novaTime6 = cinderTime;

export async function listMigrations(ctx: Ctx): Promise<Reply> {
  const sp = ctx.url.searchParams;
  const v = ctx.version;
  const paged = atLeast(v, 2, 59);
  let limit: number | undefined;
  let marker: string | undefined;
  let since: Date | undefined;
  let before: Date | undefined;
  if (paged) {
    const allowed = ['hidden', 'host', 'instance_uuid', 'source_compute', 'status', 'migration_type', 'limit', 'marker', 'changes-since'];
    if (atLeast(v, 2, 66)) allowed.push('changes-before');
    if (atLeast(v, 2, 80)) allowed.push('user_id', 'project_id');
    onlyParams(sp, allowed);
    limit = Math.min(nonNegativeInteger(sp, 'limit') ?? MAX_LIMIT, MAX_LIMIT);
    marker = singleParam(sp, 'marker');
    since = dateTimeParam(sp, 'changes-since', true);
    if (atLeast(v, 2, 66)) {
      before = dateTimeParam(sp, 'changes-before', true);
      if (since && before && before < since) throw fault(400, CHANGES_ORDER_MESSAGE);
    }
    if (atLeast(v, 2, 80)) {
      singleParam(sp, 'user_id');
      singleParam(sp, 'project_id');
    }
  }
  const cells = await ctx.sim.db.mappedCells();
  const where = ['deleted = 0'];
  const params: unknown[] = [];
  const eq = (col: string, key: string) => {
    const val = lastParam(sp, key);
    if (val !== undefined) (where.push(`${col} = ?`), params.push(val));
  };
  if (since) (where.push('updated_at >= ?'), params.push(sqlTime(since)));
  if (before) (where.push('updated_at <= ?'), params.push(sqlTime(before)));
  eq('status', 'status');
  const host = lastParam(sp, 'host');
  if (host !== undefined) (where.push('(source_compute = ? OR dest_compute = ?)'), params.push(host, host));
  else eq('source_compute', 'source_compute');
  eq('migration_type', 'migration_type');
  eq('hidden', 'hidden');
  eq('instance_uuid', 'instance_uuid');
  if (atLeast(v, 2, 80)) (eq('user_id', 'user_id'), eq('project_id', 'project_id'));
  if (limit === 0) return { status: 200, body: { migrations: [] } };
  if (marker !== undefined) {
    let m: RowDataPacket | undefined;
    for (const cell of cells) {
      [[m]] = await ctx.sim.db.pool.query<RowDataPacket[]>(`SELECT id, created_at FROM ${cell.nova('migrations')} WHERE uuid = ? LIMIT 1`, [marker]);
      if (m) break;
    }
    if (!m) throw fault(400, `Marker ${marker} could not be found.`);
    where.push('(created_at < ? OR (created_at = ? AND id < ?))');
    params.push(m.created_at, m.created_at, m.id);
  }
  const order = paged ? 'ORDER BY created_at DESC, id DESC LIMIT ?' : 'ORDER BY id';
  let rows: RowDataPacket[] = [];
  for (const cell of cells) {
    const [found] = await ctx.sim.db.pool.query<RowDataPacket[]>(
      `SELECT * FROM ${cell.nova('migrations')} WHERE ${where.join(' AND ')} ${order}`,
      paged ? [...params, limit] : params,
    );
    rows.push(...found);
  }
  if (paged) {
    rows = rows.sort((a, b) => (b.created_at?.getTime() ?? 0) - (a.created_at?.getTime() ?? 0) || b.id - a.id).slice(0, limit);
  }
  const base = `${ctx.sim.baseUrl}/compute/v2.1`;
  const migrations = rows.filter((r) => !r.hidden).map((r) => migrationView(ctx, r, base));
  const body: Record<string, unknown> = { migrations };
  if (paged && limit && migrations.length === limit) {
    body.migrations_links = [{ rel: 'next', href: nextLink(`${base}/os-migrations`, sp, rows.filter((r) => !r.hidden).at(-1)!.uuid) }];
  }
  return { status: 200, body };
}

function migrationView(ctx: Ctx, r: RowDataPacket, base: string): Record<string, unknown> {
  const v = ctx.version;
  const out: Record<string, unknown> = { id: r.id };
  if (atLeast(v, 2, 59)) out.uuid = r.uuid;
  Object.assign(out, {
    source_compute: r.source_compute,
    dest_compute: r.dest_compute,
    source_node: r.source_node,
    dest_node: r.dest_node,
    dest_host: r.dest_host,
    old_instance_type_id: r.old_instance_type_id,
    new_instance_type_id: r.new_instance_type_id,
    instance_uuid: r.instance_uuid,
    status: r.status,
  });
  if (atLeast(v, 2, 23)) out.migration_type = r.migration_type;
  if (atLeast(v, 2, 80)) (out.user_id = r.user_id), (out.project_id = r.project_id);
  out.created_at = novaTime6(r.created_at);
  out.updated_at = novaTime6(r.updated_at);
  if (atLeast(v, 2, 23) && r.migration_type === 'live-migration' && LIVE_IN_PROGRESS.includes(r.status)) {
    const path = `servers/${r.instance_uuid}/migrations/${r.id}`;
    out.links = [
      { rel: 'self', href: `${base}/${path}` },
      { rel: 'bookmark', href: `${base.replace(/\/v2\.1$/, '')}/${path}` },
    ];
  }
  return out;
}

/** GET /servers/{id}/migrations: live migrations in progress (2.23+; before, the route does not exist). */
export async function listServerMigrations(ctx: Ctx, id: string): Promise<Reply> {
  if (!atLeast(ctx.version, 2, 23)) throw fault(404, 'The resource could not be found.');
  const inst = await findInstance(ctx, id);
  const [rows] = await ctx.sim.db.pool.query<RowDataPacket[]>(
    `SELECT * FROM ${inst.cell.nova('migrations')} WHERE deleted = 0 AND instance_uuid = ? AND status IN (?) AND migration_type = 'live-migration'`,
    [inst.uuid, LIVE_IN_PROGRESS],
  );
  const migrations = rows.map((m) => ({
    created_at: novaTime6(m.created_at),
    dest_compute: m.dest_compute,
    dest_host: m.dest_host,
    dest_node: m.dest_node,
    disk_processed_bytes: m.disk_processed,
    disk_remaining_bytes: m.disk_remaining,
    disk_total_bytes: m.disk_total,
    id: m.id,
    memory_processed_bytes: m.memory_processed,
    memory_remaining_bytes: m.memory_remaining,
    memory_total_bytes: m.memory_total,
    server_uuid: m.instance_uuid,
    source_compute: m.source_compute,
    source_node: m.source_node,
    status: m.status,
    updated_at: novaTime6(m.updated_at),
    ...(atLeast(ctx.version, 2, 59) ? { uuid: m.uuid } : {}),
    ...(atLeast(ctx.version, 2, 80) ? { user_id: m.user_id, project_id: m.project_id } : {}),
  }));
  return { status: 200, body: { migrations } };
}
