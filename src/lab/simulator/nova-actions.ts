// POST /servers/{id}/action: reboot (the one drp needs), plus os-stop, os-start, os-resetState
// and evacuate (nova-evacuate.ts). State checks mirror compute/api.py's check_instance_state
// decorators, and each accepted action leaves an instance_actions row like the real API. Work a
// compute does (a reboot finishing, a stop) never happens on a host that is powered off.
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Ctx, Reply } from './context.js';
import { hostPoweredOff } from './compute-services.js';
import { deleteDanglingBdms } from './dangling-bdms.js';
import { additionalProperties, fault, novaInvalid, pyRepr } from './http-util.js';
import { evacuate } from './nova-evacuate.js';
import { findInstance } from './nova-servers.js';
import { ALLOW_HARD_REBOOT, ALLOW_REBOOT_TASKS, ALLOW_SOFT_REBOOT, POWER_STATE } from './state-map.js';
import { recordAction } from './volume-backend-modern.js';
import type { InstanceRow, VolumeBackend } from './volume-backend.js';

export function actionName(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  return Object.keys(body)[0];
}

function conflict(action: string, id: string, attr: 'vm_state' | 'task_state', state: string | null): never {
  throw fault(409, `Cannot '${action}' instance ${id} while it is in ${attr} ${state}`);
}

function checkState(
  action: string,
  inst: InstanceRow,
  vmStates: string[] | undefined,
  taskStates: (string | null)[] | undefined,
): void {
  if (vmStates && !vmStates.includes(inst.vm_state ?? '')) conflict(action, inst.uuid, 'vm_state', inst.vm_state);
  if (taskStates && !taskStates.includes(inst.task_state)) conflict(action, inst.uuid, 'task_state', inst.task_state);
}

export async function serverAction(ctx: Ctx, backend: VolumeBackend, id: string): Promise<Reply> {
  const body = ctx.body as Record<string, any> | undefined;
  const action = actionName(body);
  if (!action) throw fault(400, 'There is no such action: None');
  // evacuate validates its body before it looks the instance up.
  if (action === 'evacuate') return evacuate(ctx, backend, id, body!.evacuate);
  const inst = await findInstance(ctx, id);
  switch (action) {
    case 'reboot':
      return reboot(ctx, inst, body!.reboot);
    case 'os-stop':
      return powerChange(ctx, inst, 'stop', ['active', 'error'], 'powering-off', 'stopped', POWER_STATE.SHUTDOWN);
    case 'os-start':
      return powerChange(ctx, inst, 'start', ['stopped'], 'powering-on', 'active', POWER_STATE.RUNNING);
    case 'os-resetState':
      return resetState(ctx, inst, body!['os-resetState']);
    default:
      throw fault(400, `There is no such action: ${action}`);
  }
}

async function reboot(ctx: Ctx, inst: InstanceRow, args: any): Promise<Reply> {
  ctx.sim.stats.reboot(inst.uuid);
  const type = typeof args?.type === 'string' ? args.type.toUpperCase() : undefined;
  if (type !== 'HARD' && type !== 'SOFT') {
    throw fault(400, `Invalid input for field/attribute type. Value: ${args?.type}. '${args?.type}' is not one of ['HARD', 'Hard', 'SOFT', 'Soft']`);
  }
  checkState('reboot', inst, ALLOW_HARD_REBOOT, ALLOW_REBOOT_TASKS);
  const hard = type === 'HARD';
  if (!hard) checkState('reboot', inst, ALLOW_SOFT_REBOOT, [null]);
  const t = inst.cell.nova('instances');
  const allowedTasks = hard ? ALLOW_REBOOT_TASKS.filter((s): s is string => s !== null) : [];
  const allowedVm = hard ? ALLOW_HARD_REBOOT : ALLOW_SOFT_REBOOT;
  // Like instance.save(expected_task_state=...): the check and the write are one statement.
  const [upd] = await ctx.sim.db.pool.query<ResultSetHeader>(
    `UPDATE ${t} SET task_state = ?, progress = 0, updated_at = UTC_TIMESTAMP()
     WHERE uuid = ? AND deleted = 0 AND vm_state IN (?) AND (task_state IS NULL${allowedTasks.length ? ' OR task_state IN (?)' : ''})`,
    [hard ? 'rebooting_hard' : 'rebooting', inst.uuid, allowedVm, ...(allowedTasks.length ? [allowedTasks] : [])],
  );
  if (upd.affectedRows !== 1) {
    const fresh = await findInstance(ctx, inst.uuid);
    checkState('reboot', fresh, allowedVm, hard ? ALLOW_REBOOT_TASKS : [null]);
    conflict('reboot', inst.uuid, 'task_state', fresh.task_state);
  }
  const actionId = await recordAction(ctx, inst, 'reboot');
  const total = ctx.sim.settings.rebootMs;
  const started = hard ? 'reboot_started_hard' : 'reboot_started';
  const pending = hard ? ['rebooting_hard', 'reboot_pending_hard'] : ['rebooting', 'reboot_pending'];
  // Compute moves the task along (pending -> started) and ends it; each step only applies if
  // nobody reset the instance in between. Taking the reboot, a 2023.2+ compute first removes the
  // instance's dangling volume attachments (dangling-bdms.ts).
  const host = inst.host ?? '';
  ctx.sim.timers.after(Math.min(Math.floor(total / 4), 50), async () => {
    if (hostPoweredOff(ctx.sim, host)) return;
    await deleteDanglingBdms(ctx.sim, inst);
    await ctx.sim.db.pool.query(`UPDATE ${t} SET task_state = ?, updated_at = UTC_TIMESTAMP() WHERE uuid = ? AND task_state IN (?)`, [
      started,
      inst.uuid,
      pending,
    ]);
  });
  ctx.sim.timers.after(total, async () => {
    if (hostPoweredOff(ctx.sim, host)) return;
    const [done] = await ctx.sim.db.pool.query<ResultSetHeader>(
      `UPDATE ${t} SET vm_state = 'active', power_state = ?, task_state = NULL, updated_at = UTC_TIMESTAMP()
       WHERE uuid = ? AND deleted = 0 AND task_state IN (?)`,
      [POWER_STATE.RUNNING, inst.uuid, [...pending, started]],
    );
    await ctx.sim.db.pool.query(
      `UPDATE ${inst.cell.nova('instance_actions')} SET finish_time = UTC_TIMESTAMP(), updated_at = UTC_TIMESTAMP(), message = ? WHERE id = ?`,
      [done.affectedRows === 1 ? null : 'Error', actionId],
    );
  });
  return { status: 202 };
}

async function powerChange(
  ctx: Ctx,
  inst: InstanceRow,
  action: string,
  vmStates: string[],
  task: string,
  endVm: string,
  endPower: number,
): Promise<Reply> {
  checkState(action, inst, vmStates, [null]);
  const t = inst.cell.nova('instances');
  const [upd] = await ctx.sim.db.pool.query<ResultSetHeader>(
    `UPDATE ${t} SET task_state = ?, updated_at = UTC_TIMESTAMP() WHERE uuid = ? AND deleted = 0 AND task_state IS NULL AND vm_state IN (?)`,
    [task, inst.uuid, vmStates],
  );
  if (upd.affectedRows !== 1) {
    const fresh = await findInstance(ctx, inst.uuid);
    checkState(action, fresh, vmStates, [null]);
  }
  await recordAction(ctx, inst, action);
  ctx.sim.timers.after(Math.max(1, Math.floor(ctx.sim.settings.rebootMs / 2)), async () => {
    if (hostPoweredOff(ctx.sim, inst.host ?? '')) return;
    await ctx.sim.db.pool.query(
      `UPDATE ${t} SET vm_state = ?, power_state = ?, task_state = NULL, updated_at = UTC_TIMESTAMP() WHERE uuid = ? AND task_state = ?`,
      [endVm, endPower, inst.uuid, task],
    );
  });
  return { status: 202 };
}

/**
 * admin_actions.py _reset_state: vm_state as asked, task_state cleared, nothing else; an instance
 * action 'resetState' that the API finishes at once. Any state and any host (up or not).
 */
async function resetState(ctx: Ctx, inst: InstanceRow, args: unknown): Promise<Reply> {
  if (!args || typeof args !== 'object' || Array.isArray(args)) {
    throw novaInvalid('os-resetState', args, `${pyRepr(args)} is not of type 'object'`);
  }
  const a = args as Record<string, unknown>;
  if (!('state' in a)) throw novaInvalid('os-resetState', a, "'state' is a required property");
  const extra = additionalProperties(a, ['state']);
  if (extra) throw novaInvalid('os-resetState', a, extra);
  const state = a.state;
  if (state !== 'active' && state !== 'error') {
    throw novaInvalid('state', state, `${pyRepr(state)} is not one of ['active', 'error']`);
  }
  const actionId = await recordAction(ctx, inst, 'resetState');
  await ctx.sim.db.pool.query<RowDataPacket[]>(
    `UPDATE ${inst.cell.nova('instances')} SET vm_state = ?, task_state = NULL, updated_at = UTC_TIMESTAMP() WHERE uuid = ? AND deleted = 0`,
    [state, inst.uuid],
  );
  await ctx.sim.db.pool.query(
    `UPDATE ${inst.cell.nova('instance_actions')} SET finish_time = UTC_TIMESTAMP(), updated_at = UTC_TIMESTAMP() WHERE id = ?`,
    [actionId],
  );
  return { status: 202 };
}
