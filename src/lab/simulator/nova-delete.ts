// DELETE /servers/{id} as Zed's compute/api.py _delete does it, checked against a real Zed
// deployment:
//  - any vm_state and task_state; task_state becomes deleting at once;
//  - the instance's nova-compute is down (or forced down), or it has no host: a "local delete" in
//    the API itself - the instance is gone before the 204 (no instance action is recorded, its
//    power_state is left as it was);
//  - otherwise, if it already was in task_state deleting: nothing more happens (204, and the
//    instance stays stuck in deleting - reset its state first);
//  - otherwise an instance action 'delete', and the compute terminates it after the lab's deleteMs
//    (event compute_terminate_instance): volumes detached (deleted if delete_on_termination), its
//    host's iSCSI sessions to them logged out, allocations removed, vm_state deleted, power_state
//    NOSTATE, the row soft-deleted (deleted = id) with its BDMs, info cache, metadata and
//    migrations, all in the instance's cell; its instance mapping stays, queued_for_delete = 1
//    (archive_deleted_rows removes it later). A host that is powered off never does it (stuck in deleting until its service
//    goes down and the delete is repeated).
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ResultSetHeader } from 'mysql2/promise';
import { hostPaths } from '../paths.js';
import { deleteConsumerAllocations } from '../placement-db.js';
import { computeService, hostPoweredOff } from './compute-services.js';
import type { Ctx, Reply, SimState } from './context.js';
import { finishEvent, startEvent } from './instance-actions.js';
import { findInstance } from './nova-servers.js';
import { POWER_STATE } from './state-map.js';
import { recordAction } from './volume-backend-modern.js';
import type { InstanceRow, VolumeBackend } from './volume-backend.js';

export async function deleteServer(ctx: Ctx, backend: VolumeBackend, id: string): Promise<Reply> {
  ctx.sim.stats.delete(id);
  const inst = await findInstance(ctx, id);
  const original = inst.task_state;
  const t = inst.cell.nova('instances');
  await ctx.sim.db.pool.query(
    `UPDATE ${t} SET task_state = 'deleting', progress = 0, updated_at = UTC_TIMESTAMP() WHERE uuid = ? AND deleted = 0`,
    [inst.uuid],
  );
  const service = inst.host ? await computeService(ctx.sim, inst.host) : undefined;
  if (!inst.host || !service || !service.up) {
    await destroyInstance(ctx.sim, backend, inst, { local: true });
    return { status: 204 };
  }
  if (original === 'deleting' || original === 'soft-deleting') return { status: 204 };
  const actionId = await recordAction(ctx, inst, 'delete');
  const host = inst.host;
  ctx.sim.timers.after(ctx.sim.settings.deleteMs, async () => {
    if (hostPoweredOff(ctx.sim, host)) return;
    const fresh = await findInstance(ctx, inst.uuid).catch(() => undefined);
    if (!fresh || fresh.task_state !== 'deleting') return;
    const eventId = await startEvent(ctx.sim, fresh.cell, actionId, 'compute_terminate_instance', host);
    await destroyInstance(ctx.sim, backend, fresh, { local: false });
    await finishEvent(ctx.sim, fresh.cell, actionId, eventId, true);
  });
  return { status: 204 };
}

/** Everything a delete removes; `local` = done by the API for a compute that is down. */
export async function destroyInstance(sim: SimState, backend: VolumeBackend, inst: InstanceRow, opts: { local: boolean }): Promise<void> {
  const { db } = sim;
  const iqns = await backend.releaseVolumes(inst);
  if (!opts.local && inst.host) {
    await sim.sessions.remove(inst.host, iqns);
    await rm(path.join(hostPaths(sim.info.dir, inst.host).instancesDir, inst.uuid), { recursive: true, force: true });
  }
  await deleteConsumerAllocations(db, inst.uuid);
  const [upd] = await db.pool.query<ResultSetHeader>(
    `UPDATE ${inst.cell.nova('instances')} SET vm_state = 'deleted', task_state = NULL${opts.local ? '' : ', power_state = ?'},
       terminated_at = UTC_TIMESTAMP(), deleted = id, deleted_at = UTC_TIMESTAMP(), updated_at = UTC_TIMESTAMP()
     WHERE uuid = ? AND deleted = 0`,
    opts.local ? [inst.uuid] : [POWER_STATE.NOSTATE, inst.uuid],
  );
  if (upd.affectedRows !== 1) return;
  await db.pool.query(`UPDATE ${db.api('instance_mappings')} SET queued_for_delete = 1, updated_at = UTC_TIMESTAMP() WHERE instance_uuid = ?`, [inst.uuid]);
  for (const table of ['instance_info_caches', 'instance_metadata', 'migrations']) {
    await db.pool.query(
      `UPDATE ${inst.cell.nova(table)} SET deleted = id, deleted_at = UTC_TIMESTAMP() WHERE instance_uuid = ? AND deleted = 0`,
      [inst.uuid],
    );
  }
}
