// GET /os-services and GET /servers/{id}/os-instance-actions, read from the cell DB.
import type { RowDataPacket } from 'mysql2/promise';
import type { Ctx, Reply } from './context.js';
import { novaTime } from './http-util.js';
import { findInstance } from './nova-servers.js';

/** nova.conf [DEFAULT] service_down_time default. */
const SERVICE_DOWN_SECONDS = 60;

export async function listServices(ctx: Ctx): Promise<Reply> {
  const sp = ctx.url.searchParams;
  const where = ['deleted = 0'];
  const params: unknown[] = [];
  if (sp.get('binary')) (where.push('`binary` = ?'), params.push(sp.get('binary')));
  if (sp.get('host')) (where.push('host = ?'), params.push(sp.get('host')));
  const [rows] = await ctx.sim.db.pool.query<RowDataPacket[]>(
    `SELECT id, uuid, host, \`binary\`, disabled, disabled_reason, forced_down, updated_at, created_at
     FROM ${ctx.sim.db.nova('services')} WHERE ${where.join(' AND ')} ORDER BY id`,
    params,
  );
  const now = Date.now();
  const services = rows.map((r) => {
    const last: Date | null = r.updated_at ?? r.created_at;
    const fresh = last !== null && now - last.getTime() <= SERVICE_DOWN_SECONDS * 1000;
    return {
      id: r.id,
      binary: r.binary,
      host: r.host,
      zone: r.binary === 'nova-compute' ? 'nova' : 'internal',
      status: r.disabled ? 'disabled' : 'enabled',
      state: !r.forced_down && fresh ? 'up' : 'down',
      updated_at: novaTime(r.updated_at),
      disabled_reason: r.disabled_reason,
      forced_down: Boolean(r.forced_down),
    };
  });
  return { status: 200, body: { services } };
}

export async function listInstanceActions(ctx: Ctx, id: string): Promise<Reply> {
  const inst = await findInstance(ctx, id);
  const [rows] = await ctx.sim.db.pool.query<RowDataPacket[]>(
    `SELECT action, instance_uuid, request_id, user_id, project_id, start_time, message, updated_at
     FROM ${ctx.sim.db.nova('instance_actions')} WHERE instance_uuid = ? AND deleted = 0 ORDER BY created_at DESC, id DESC`,
    [inst.uuid],
  );
  const instanceActions = rows.map((r) => ({
    action: r.action,
    instance_uuid: r.instance_uuid,
    request_id: r.request_id,
    user_id: r.user_id,
    project_id: r.project_id,
    start_time: r.start_time ? r.start_time.toISOString().replace('Z', '000') : null,
    message: r.message,
    updated_at: novaTime(r.updated_at),
  }));
  return { status: 200, body: { instanceActions } };
}
