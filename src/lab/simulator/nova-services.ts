// GET/PUT /os-services (nova/api/openstack/compute/services.py) and GET
// /servers/{id}/os-instance-actions, read from the cell DBs (services of every compute cell; an
// instance's actions in its cell).
//  - state: up/down from the last heartbeat against service_down_time (compute-services.ts);
//  - id: the integer id before 2.53, the service uuid from 2.53; forced_down shown from 2.11;
//  - 2.75 refuses unknown query parameters;
//  - PUT /os-services/{uuid} with {"status", "disabled_reason", "forced_down"} from 2.53; before it
//    PUT /os-services/{enable|disable|disable-log-reason|force-down} with host and binary in the body
//    (force-down from 2.11).
import { randomUUID } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { listServiceRows, type ServiceRow } from './compute-services.js';
import type { Ctx, Reply } from './context.js';
import { additionalProperties, cinderTime, fault, novaBoolean, novaInvalid, pyRepr, UUID_RE } from './http-util.js';
import { atLeast } from './microversion.js';
import { findInstance } from './nova-servers.js';

/** Nova prints service times with microseconds and no zone: 2024-05-01T10:20:30.000000. */
const serviceTime = cinderTime;

function serviceView(ctx: Ctx, r: ServiceRow, withForcedDown: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    binary: r.binary,
    host: r.host,
    id: atLeast(ctx.version, 2, 53) ? r.uuid : r.id,
    zone: r.binary === 'nova-compute' ? 'nova' : 'internal',
    status: r.disabled ? 'disabled' : 'enabled',
    state: r.up ? 'up' : 'down',
    updated_at: serviceTime(r.updated_at),
    disabled_reason: r.disabled_reason,
  };
  if (withForcedDown) out.forced_down = Boolean(r.forced_down);
  return out;
}

export async function listServices(ctx: Ctx): Promise<Reply> {
  const sp = ctx.url.searchParams;
  if (atLeast(ctx.version, 2, 75)) {
    const extra = additionalProperties(Object.fromEntries(sp.entries()), ['host', 'binary']);
    if (extra) throw fault(400, extra);
  }
  const rows = await listServiceRows(ctx.sim, { host: sp.get('host') || undefined, binary: sp.get('binary') || undefined });
  const services = rows.map((r) => serviceView(ctx, r, atLeast(ctx.version, 2, 11)));
  return { status: 200, body: { services } };
}

const FORCE_UP_REFUSED = (host: string) =>
  `Unable to force up host ${host} as \`done\` evacuation migration records remain associated with the host. ` +
  'Ensure the compute service has been restarted, allowing these records to move to `completed` before retrying this request.';

/** services.py _check_for_evacuations: no force-up while evacuations from the host are `done` but not `completed`. */
async function checkForEvacuations(ctx: Ctx, host: string): Promise<void> {
  const cell = await ctx.sim.db.cellOfHost(host);
  if (!cell) return;
  const [rows] = await ctx.sim.db.pool.query<RowDataPacket[]>(
    `SELECT id FROM ${cell.nova('migrations')} WHERE deleted = 0 AND source_compute = ? AND status = 'done' AND migration_type = 'evacuation' LIMIT 1`,
    [host],
  );
  if (rows.length > 0) throw fault(400, FORCE_UP_REFUSED(host));
}

function onlyCompute(binary: string): void {
  if (binary !== 'nova-compute') {
    throw fault(400, `Updating a ${binary} service is not supported. Only nova-compute services can be updated.`);
  }
}

export async function updateService(ctx: Ctx, id: string): Promise<Reply> {
  const body = ctx.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw fault(400, `${pyRepr(body ?? null)} is not of type 'object'`);
  }
  return atLeast(ctx.version, 2, 53) ? updateV253(ctx, id, body as Record<string, unknown>) : updateLegacy(ctx, id, body as Record<string, unknown>);
}

async function updateV253(ctx: Ctx, id: string, body: Record<string, unknown>): Promise<Reply> {
  const extra = additionalProperties(body, ['status', 'disabled_reason', 'forced_down']);
  if (extra) throw fault(400, extra);
  if ('status' in body && body.status !== 'enabled' && body.status !== 'disabled') {
    throw novaInvalid('status', body.status, `${pyRepr(body.status)} is not one of ['enabled', 'disabled']`);
  }
  checkReason(body);
  const forced = 'forced_down' in body ? novaBoolean('forced_down', body.forced_down) : undefined;
  if (!UUID_RE.test(id)) throw fault(400, `Invalid uuid ${id}`);
  const [svc] = await listServiceRows(ctx.sim, { uuid: id });
  if (!svc) throw fault(404, `Service ${id} could not be found.`);
  onlyCompute(svc.binary);
  const set: Record<string, unknown> = {};
  if (body.status === 'enabled') {
    if (body.disabled_reason) throw fault(400, "Specifying 'disabled_reason' with status 'enabled' is invalid.");
    set.disabled = 0;
    set.disabled_reason = null;
  } else if (body.status === 'disabled') {
    set.disabled = 1;
    set.disabled_reason = body.disabled_reason ?? null;
  }
  if (forced !== undefined) {
    set.forced_down = forced ? 1 : 0;
    if (!forced) await checkForEvacuations(ctx, svc.host);
  }
  // Like service.obj_what_changed(): any field set counts, even to the value it already has.
  if (Object.keys(set).length === 0) throw fault(400, "No updates were requested. Fields 'status' or 'forced_down' should be specified.");
  await saveService(ctx, svc, set);
  const [fresh] = await listServiceRows(ctx.sim, { id: svc.id }, [svc.cell]);
  return { status: 200, body: { service: serviceView(ctx, fresh, true) } };
}

function checkReason(body: Record<string, unknown>): void {
  if (!('disabled_reason' in body)) return;
  const r = body.disabled_reason;
  if (typeof r !== 'string') throw novaInvalid('disabled_reason', r, `${pyRepr(r)} is not of type 'string'`);
  if (r.length < 1) throw novaInvalid('disabled_reason', r, `${pyRepr(r)} is too short`);
  if (r.length > 255) throw novaInvalid('disabled_reason', r, `${pyRepr(r)} is too long`);
}

async function updateLegacy(ctx: Ctx, action: string, body: Record<string, unknown>): Promise<Reply> {
  // service_update (2.1-2.10) / service_update_v211 (2.11-2.52): host and binary required.
  const allowed = ['host', 'binary', 'disabled_reason', ...(atLeast(ctx.version, 2, 11) ? ['forced_down'] : [])];
  for (const req of ['host', 'binary']) if (!(req in body)) throw fault(400, `${pyRepr(req)} is a required property`);
  const extra = additionalProperties(body, allowed);
  if (extra) throw fault(400, extra);
  for (const k of ['host', 'binary']) {
    const v = body[k];
    if (typeof v !== 'string') throw novaInvalid(k, v, `${pyRepr(v)} is not of type 'string'`);
  }
  checkReason(body);
  const host = body.host as string;
  const binary = body.binary as string;
  const actions = ['enable', 'disable', 'disable-log-reason', ...(atLeast(ctx.version, 2, 11) ? ['force-down'] : [])];
  if (!actions.includes(action)) throw fault(404, 'Unknown action');
  let set: Record<string, unknown>;
  let result: Record<string, unknown>;
  if (action === 'force-down') {
    if (!('forced_down' in body)) throw fault(400, 'Missing forced_down field');
    const forced = novaBoolean('forced_down', body.forced_down);
    if (binary === 'nova-compute' && !forced) await checkForEvacuations(ctx, host);
    set = { forced_down: forced ? 1 : 0 };
    result = { host, binary, forced_down: forced };
  } else if (action === 'enable') {
    set = { disabled: 0, disabled_reason: null };
    result = { host, binary, status: 'enabled' };
  } else {
    let reason: string | null = null;
    if (action === 'disable-log-reason') {
      if (!('disabled_reason' in body)) throw fault(400, 'Missing disabled reason field');
      reason = body.disabled_reason as string;
    }
    set = { disabled: 1, disabled_reason: reason };
    result = { host, binary, status: 'disabled', ...(reason ? { disabled_reason: reason } : {}) };
  }
  onlyCompute(binary);
  // Nova looks the host up in its host mappings first, then in that cell.
  const cell = await ctx.sim.db.cellOfHost(host);
  if (!cell) throw fault(404, `Host '${host}' is not mapped to any cell`);
  const [svc] = await listServiceRows(ctx.sim, { host, binary }, [cell]);
  if (!svc) throw fault(404, `Service ${binary} on host ${host} could not be found.`);
  await saveService(ctx, svc, set);
  return { status: 200, body: { service: result } };
}

/** service.save(): the row's updated_at moves; last_seen_up (the heartbeat) does not. */
async function saveService(ctx: Ctx, svc: ServiceRow, set: Record<string, unknown>): Promise<void> {
  const cols = Object.keys(set);
  await ctx.sim.db.pool.query(
    `UPDATE ${svc.cell.nova('services')} SET ${cols.map((c) => `\`${c}\` = ?`).join(', ')}, updated_at = UTC_TIMESTAMP() WHERE id = ?`,
    [...cols.map((c) => set[c]), svc.id],
  );
}

/** From 2.21 the instance is read with read_deleted='yes': a deleted instance's actions are listed too. */
export async function listInstanceActions(ctx: Ctx, id: string): Promise<Reply> {
  const inst = await findInstance(ctx, id, { readDeleted: atLeast(ctx.version, 2, 21) });
  const [rows] = await ctx.sim.db.pool.query<RowDataPacket[]>(
    `SELECT action, instance_uuid, request_id, user_id, project_id, start_time, message, updated_at
     FROM ${inst.cell.nova('instance_actions')} WHERE instance_uuid = ? AND deleted = 0 ORDER BY created_at DESC, id DESC`,
    [inst.uuid],
  );
  const withUpdated = atLeast(ctx.version, 2, 58);
  const instanceActions = rows.map((r) => ({
    action: r.action,
    instance_uuid: r.instance_uuid,
    request_id: r.request_id,
    user_id: r.user_id,
    project_id: r.project_id,
    start_time: cinderTime(r.start_time),
    message: r.message,
    ...(withUpdated ? { updated_at: cinderTime(r.updated_at) } : {}),
  }));
  return { status: 200, body: { instanceActions } };
}

/** A fresh request id, for work the simulated services do on their own. */
export function internalRequestId(): string {
  return `req-${randomUUID()}`;
}
