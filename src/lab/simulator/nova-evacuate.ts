// POST /servers/{id}/action {"evacuate": {...}} as Zed does it (api/openstack/compute/evacuate.py,
// compute/api.py evacuate, conductor rebuild_instance, compute/manager.py rebuild_instance with
// recreate=True), checked against a real Zed deployment:
//  - the body per microversion: onSharedStorage required before 2.14 and refused from 2.14, force
//    from 2.29 to 2.67; the answer is 200 with {"adminPass"} before 2.14 and an empty 200 from 2.14;
//  - refusals in Nova's order: 404 unknown instance, 400 force without host, 404 "Compute host X
//    not found.", 400 "The target host can't be the same one.", 409 for a vm_state other than
//    active, stopped or error, 400 "Compute service of <host> is still in use." while the source
//    nova-compute is up (not down past service_down_time and not forced down). The task_state is
//    NOT checked (check_instance_state(task_state=None) and save() without expected_task_state):
//    Zed accepts an evacuate of an instance in rebooting_hard, or in rebuilding by an evacuation
//    already under way - a second migration and a second rebuild;
//  - accepted: task_state rebuilding, an instance action 'evacuate', a migration (evacuation,
//    accepted, dest_compute only when a host was named); the conductor picks the destination (the
//    scheduler: an up, enabled compute with room, unless the host is forced) and claims its
//    allocation beside the source's (event rebuild_server); the destination compute moves the
//    migration to pre-migrating (dest_node, dest_host) and the instance through power_state NOSTATE,
//    rebuild_block_device_mapping (each volume: a new attachment for the new host, the old one
//    deleted) and rebuild_spawning (an image-backed instance without shared storage is rebuilt from
//    its image: a fresh disk), then active with no task while host and node still name the source
//    (a stopped instance goes on through powering-off back to stopped), and last host and node =
//    destination and the migration done (event compute_rebuild_instance);
//  - the source's allocation stays until the source compute starts again (compute-startup.ts).
// From 2.95 (2023.1; the lab's release epoxy offers it) the API asks for target_state STOPPED and
// the destination's _do_rebuild_instance takes it as the state to restore: every evacuated instance
// goes on through powering-off to stopped, the ACTIVE ones too — except one evacuated from ERROR,
// which comes back active as before (manager.py: `if target_state and orig_vm_state != ERROR`).
// A destination whose host is powered off never does its part: the evacuation stays in rebuilding.
// Cells (checked on the Epoxy bed, FINDINGS-epoxy.md): everything happens in the instance's cell,
// and the scheduler only looks there. A target host in another cell is a 500: the API finds the
// target's service through its host mapping and from then on reads that cell, where the source
// host's service is not (ComputeHostNotFound, "Unexpected API Error"); nothing changes.
import { randomInt, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { hostPaths, labPaths } from '../paths.js';
import { addProviderToConsumer, getConsumer, PlacementError, providerForNode, removeProviderFromConsumer, type Resources } from '../placement-db.js';
import { hostAddress } from '../scenarios/libvirt-xml.js';
import { computeService, hostPoweredOff, listServiceRows } from './compute-services.js';
import type { Ctx, Reply, SimState } from './context.js';
import { additionalProperties, fault, novaBoolean, novaInvalid, pyRepr } from './http-util.js';
import { finishEvent, recordEvent, startEvent } from './instance-actions.js';
import { atLeast } from './microversion.js';
import { findInstance } from './nova-servers.js';
import { POWER_STATE } from './state-map.js';
import { recordAction } from './volume-backend-modern.js';
import type { InstanceRow, VolumeBackend } from './volume-backend.js';

/** nova.utils.generate_password: 12 characters without the easily confused ones. */
function generatePassword(): string {
  const symbols = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  return Array.from({ length: 12 }, () => symbols[randomInt(symbols.length)]).join('');
}

interface EvacuateRequest {
  host?: string;
  onSharedStorage?: boolean;
  adminPass?: string;
  force?: boolean;
}

function parseBody(ctx: Ctx, raw: unknown): EvacuateRequest {
  const v = ctx.version;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw novaInvalid('evacuate', raw, `${pyRepr(raw)} is not of type 'object'`);
  const body = raw as Record<string, unknown>;
  const allowed = ['host', 'adminPass'];
  if (!atLeast(v, 2, 14)) {
    allowed.push('onSharedStorage');
    if (!('onSharedStorage' in body)) throw novaInvalid('evacuate', body, "'onSharedStorage' is a required property");
  }
  if (atLeast(v, 2, 29) && !atLeast(v, 2, 68)) allowed.push('force');
  const extra = additionalProperties(body, allowed);
  if (extra) throw novaInvalid('evacuate', body, extra);
  const out: EvacuateRequest = {};
  if ('host' in body) {
    if (typeof body.host !== 'string') throw novaInvalid('host', body.host, `${pyRepr(body.host)} is not of type 'string'`);
    if (!/^[a-zA-Z0-9-._]*$/.test(body.host) || body.host.length < 1 || body.host.length > 255) {
      throw novaInvalid('host', body.host, `${pyRepr(body.host)} does not match '^[a-zA-Z0-9-._]*$'`);
    }
    out.host = body.host;
  }
  if ('adminPass' in body) {
    if (typeof body.adminPass !== 'string') throw novaInvalid('adminPass', body.adminPass, `${pyRepr(body.adminPass)} is not of type 'string'`);
    out.adminPass = body.adminPass;
  }
  if ('onSharedStorage' in body) out.onSharedStorage = novaBoolean('onSharedStorage', body.onSharedStorage);
  if ('force' in body) out.force = novaBoolean('force', body.force);
  return out;
}

const EVACUATE_VM_STATES = ['active', 'stopped', 'error'];

/** nova/api/openstack/wsgi.py expected_errors: what an exception the API does not expect becomes. */
const UNEXPECTED = (cls: string) =>
  `Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.\n<class 'nova.exception.${cls}'>`;

export async function evacuate(ctx: Ctx, backend: VolumeBackend, id: string, raw: unknown): Promise<Reply> {
  ctx.sim.stats.evacuate(id);
  const req = parseBody(ctx, raw);
  const inst = await findInstance(ctx, id);
  if (atLeast(ctx.version, 2, 29) && req.force === true && !req.host) throw fault(400, "Can't force to a non-provided destination");
  let password: string | undefined;
  if (atLeast(ctx.version, 2, 14)) password = req.adminPass ?? generatePassword();
  else if (req.adminPass !== undefined) {
    if (req.onSharedStorage) throw fault(400, "admin password can't be changed on existing disk");
    password = req.adminPass;
  } else if (!req.onSharedStorage) password = generatePassword();

  const target = req.host !== undefined ? await computeService(ctx.sim, req.host) : undefined;
  if (req.host !== undefined && !target) throw fault(404, `Compute host ${req.host} not found.`);
  if (inst.host === req.host) throw fault(400, "The target host can't be the same one.");
  // compute_api.evacuate: check_instance_state (vm_state and launched_at only), then the source service must be down.
  if (!EVACUATE_VM_STATES.includes(inst.vm_state ?? '')) {
    throw fault(409, `Cannot 'evacuate' instance ${inst.uuid} while it is in vm_state ${inst.vm_state}`);
  }
  if (!inst.launched_at) throw fault(409, `Cannot 'evacuate' instance ${inst.uuid} while it is in launched_at None`);
  // host_api.service_get_by_compute_host left the request in the target's cell (set_target_cell).
  const source = inst.host ? await computeService(ctx.sim, inst.host, target?.cell ?? inst.cell) : undefined;
  if (inst.host && !source) throw fault(500, UNEXPECTED('ComputeHostNotFound'));
  if (source?.up) throw fault(400, `Compute service of ${inst.host} is still in use.`);

  const t = inst.cell.nova('instances');
  await ctx.sim.db.pool.query<ResultSetHeader>(`UPDATE ${t} SET task_state = 'rebuilding', updated_at = UTC_TIMESTAMP() WHERE uuid = ? AND deleted = 0`, [
    inst.uuid,
  ]);
  const actionId = await recordAction(ctx, inst, 'evacuate');
  const migrationUuid = randomUUID();
  const [mig] = await ctx.sim.db.pool.query<ResultSetHeader>(
    `INSERT INTO ${inst.cell.nova('migrations')}
     (created_at, updated_at, deleted, source_compute, source_node, dest_compute, status, instance_uuid, migration_type, hidden,
      uuid, cross_cell_move, user_id, project_id)
     VALUES (UTC_TIMESTAMP(), UTC_TIMESTAMP(), 0, ?, ?, ?, 'accepted', ?, 'evacuation', 0, ?, 0, ?, ?)`,
    [inst.host, inst.node, req.host ?? null, inst.uuid, migrationUuid, ctx.token?.userId ?? null, ctx.token?.projectId ?? null],
  );
  const forced = req.host !== undefined && (!atLeast(ctx.version, 2, 29) || req.force === true);
  const endsStopped = inst.vm_state === 'stopped' || (atLeast(ctx.version, 2, 95) && inst.vm_state !== 'error');
  const run = new Evacuation(ctx.sim, backend, inst, actionId, mig.insertId, req, forced, endsStopped);
  run.schedule();
  // Before 2.14 ([api] enable_instance_password, on by default): the password, null on shared storage.
  if (!atLeast(ctx.version, 2, 14)) return { status: 200, body: { adminPass: password ?? null } };
  return { status: 200 };
}

/** The conductor's and the destination compute's part, moved along by the simulator's timers. */
class Evacuation {
  private dest?: string;
  private destProvider?: string;

  constructor(
    private readonly sim: SimState,
    private readonly backend: VolumeBackend,
    private readonly inst: InstanceRow,
    private readonly actionId: number,
    private readonly migrationId: number,
    private readonly req: EvacuateRequest,
    private readonly forced: boolean,
    /** Brought to stopped on the destination: it was stopped, or the request was at 2.95 or later. */
    private readonly endsStopped: boolean,
  ) {}

  schedule(): void {
    const total = Math.max(4, this.sim.settings.evacuateMs);
    const at = (f: number, fn: () => Promise<boolean | void>) => ({ ms: Math.floor(total * f), fn });
    const steps = [
      at(0.1, () => this.conductor()),
      at(0.3, () => this.claim()),
      at(0.5, () => this.blockDevices()),
      at(0.7, () => this.spawn()),
      at(0.85, () => this.spawned()),
      ...(this.endsStopped ? [at(0.9, () => this.powerOff()), at(0.95, () => this.stopped())] : []),
      at(1, () => this.finish()),
    ];
    // Each step runs only if the one before went through (a failed or stuck evacuation stops there).
    const chain = (i: number, prevMs: number) => {
      if (i >= steps.length) return;
      this.sim.timers.after(steps[i].ms - prevMs, async () => {
        if ((await steps[i].fn()) === false) return;
        chain(i + 1, steps[i].ms);
      });
    };
    chain(0, 0);
  }

  private get db() {
    return this.sim.db;
  }

  private async setMigration(fields: Record<string, unknown>): Promise<void> {
    const cols = Object.keys(fields);
    await this.db.pool.query(
      `UPDATE ${this.inst.cell.nova('migrations')} SET ${cols.map((c) => `${c} = ?`).join(', ')}, updated_at = UTC_TIMESTAMP() WHERE id = ?`,
      [...cols.map((c) => fields[c]), this.migrationId],
    );
  }

  /** The instance as it is now, if it is still this evacuation's (not deleted, task as expected). */
  private async current(task: string): Promise<RowDataPacket | undefined> {
    const [rows] = await this.db.pool.query<RowDataPacket[]>(
      `SELECT uuid, vm_state, task_state, host FROM ${this.inst.cell.nova('instances')} WHERE uuid = ? AND deleted = 0`,
      [this.inst.uuid],
    );
    const r = rows[0];
    return r && r.task_state === task ? r : undefined;
  }

  private async resources(): Promise<Resources> {
    const consumer = await getConsumer(this.db, this.inst.uuid);
    const sourceRp = this.inst.node ? await providerForNode(this.db, this.inst.node) : undefined;
    const onSource = sourceRp ? consumer?.allocations.get(sourceRp.uuid) : undefined;
    if (onSource) return { ...onSource.resources };
    const r: Resources = { VCPU: this.inst.vcpus ?? 1, MEMORY_MB: this.inst.memory_mb ?? 512 };
    const disk = (this.inst.root_gb ?? 0) + (this.inst.ephemeral_gb ?? 0);
    if (disk > 0) r.DISK_GB = disk;
    return r;
  }

  /** The conductor gives up: no valid host or no room; the instance keeps its vm_state. */
  private async conductorFailed(): Promise<false> {
    await this.db.pool.query(
      `UPDATE ${this.inst.cell.nova('instances')} SET task_state = NULL, updated_at = UTC_TIMESTAMP() WHERE uuid = ? AND task_state = 'rebuilding'`,
      [this.inst.uuid],
    );
    await recordEvent(this.sim, this.inst.cell, this.actionId, 'rebuild_server', 'controller', false);
    // Written last (Nova writes it first, milliseconds earlier): whoever sees the migration end sees the rest.
    await this.setMigration({ status: 'error' });
    return false;
  }

  private async conductor(): Promise<boolean> {
    if (!(await this.current('rebuilding'))) {
      await this.setMigration({ status: 'failed' });
      return false;
    }
    const need = await this.resources();
    const candidates = this.forced ? [this.req.host!] : await this.schedulerCandidates();
    for (const host of candidates) {
      const rp = await providerForNode(this.db, host);
      if (!rp) continue;
      try {
        await addProviderToConsumer(this.db, this.inst.uuid, rp.uuid, need, {
          projectId: this.inst.project_id ?? '',
          userId: this.inst.user_id ?? '',
        });
      } catch (e) {
        if (e instanceof PlacementError) continue;
        throw e;
      }
      this.dest = host;
      this.destProvider = rp.uuid;
      break;
    }
    if (!this.dest) return this.conductorFailed();
    await recordEvent(this.sim, this.inst.cell, this.actionId, 'rebuild_server', 'controller', true);
    return true;
  }

  /** ComputeFilter and friends: up, enabled, not the source; the emptiest first (room is Placement's claim). */
  private async schedulerCandidates(): Promise<string[]> {
    // conductor _restrict_request_spec_to_cell: only the instance's cell.
    const services = await listServiceRows(this.sim, { binary: 'nova-compute' }, [this.inst.cell]);
    const ok = services.filter((s) => s.up && !s.disabled && s.host !== this.inst.host && (!this.req.host || s.host === this.req.host));
    const [counts] = await this.db.pool.query<RowDataPacket[]>(
      `SELECT host, COUNT(*) AS n FROM ${this.inst.cell.nova('instances')} WHERE deleted = 0 GROUP BY host`,
    );
    const load = new Map(counts.map((c) => [c.host as string, Number(c.n)]));
    return ok.map((s) => s.host).sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0) || a.localeCompare(b));
  }

  private destAlive(): boolean {
    return !hostPoweredOff(this.sim, this.dest!);
  }

  private async computeFailed(eventId: number, vmError: boolean): Promise<false> {
    if (this.destProvider) await removeProviderFromConsumer(this.db, this.inst.uuid, this.destProvider).catch(() => false);
    await this.db.pool.query(
      `UPDATE ${this.inst.cell.nova('instances')} SET task_state = NULL${vmError ? ", vm_state = 'error'" : ''}, updated_at = UTC_TIMESTAMP()
       WHERE uuid = ? AND deleted = 0 AND task_state IN ('rebuilding', 'rebuild_block_device_mapping', 'rebuild_spawning')`,
      [this.inst.uuid],
    );
    await finishEvent(this.sim, this.inst.cell, this.actionId, eventId, false);
    await this.setMigration({ status: 'failed' });
    return false;
  }

  private eventId = 0;

  /** Destination compute: rebuild_claim (migration pre-migrating), power_state from its hypervisor. */
  private async claim(): Promise<boolean> {
    if (!this.destAlive()) return false;
    this.eventId = await startEvent(this.sim, this.inst.cell, this.actionId, 'compute_rebuild_instance', this.dest!);
    if (!(await this.current('rebuilding'))) return this.computeFailed(this.eventId, false);
    await this.setMigration({ status: 'pre-migrating', dest_compute: this.dest, dest_node: this.dest, dest_host: hostAddress(this.dest!) });
    // Before 2.14 the caller says whether the disk is on shared storage; Nova checks it against the host.
    if (this.req.onSharedStorage !== undefined && this.req.onSharedStorage !== this.onSharedStorage()) {
      return this.computeFailed(this.eventId, true);
    }
    await this.db.pool.query(
      `UPDATE ${this.inst.cell.nova('instances')} SET power_state = ?, updated_at = UTC_TIMESTAMP() WHERE uuid = ? AND task_state = 'rebuilding'`,
      [POWER_STATE.NOSTATE, this.inst.uuid],
    );
    return true;
  }

  /** libvirt's instance_on_disk: the destination sees <instances_path>/<uuid>/. */
  private onSharedStorage(): boolean {
    return (
      existsSync(labPaths(this.sim.info.dir).sharedStorage) ||
      existsSync(path.join(hostPaths(this.sim.info.dir, this.dest!).instancesDir, this.inst.uuid))
    );
  }

  private async move(from: string, to: string): Promise<boolean> {
    const [upd] = await this.db.pool.query<ResultSetHeader>(
      `UPDATE ${this.inst.cell.nova('instances')} SET task_state = ?, updated_at = UTC_TIMESTAMP() WHERE uuid = ? AND deleted = 0 AND task_state = ?`,
      [to, this.inst.uuid, from],
    );
    return upd.affectedRows === 1;
  }

  private async blockDevices(): Promise<boolean> {
    if (!this.destAlive()) return false;
    if (!(await this.move('rebuilding', 'rebuild_block_device_mapping'))) return this.computeFailed(this.eventId, false);
    const iqns = await this.backend.moveAttachments(this.inst, this.dest!);
    for (const iqn of iqns) await this.sim.sessions.add(this.dest!, iqn);
    return true;
  }

  private async spawn(): Promise<boolean> {
    if (!this.destAlive()) return false;
    if (!(await this.move('rebuild_block_device_mapping', 'rebuild_spawning'))) return this.computeFailed(this.eventId, false);
    const dir = path.join(hostPaths(this.sim.info.dir, this.dest!).instancesDir, this.inst.uuid);
    const shared = this.onSharedStorage();
    await mkdir(dir, { recursive: true });
    if (!shared && this.inst.image_ref) {
      // "disk not on shared storage, evacuating from image": a fresh root disk, the old one is lost.
      await writeFile(path.join(dir, 'disk'), `rebuilt from image ${this.inst.image_ref} by evacuate at ${new Date().toISOString()}\n`);
    }
    return true;
  }

  /** _update_instance_after_spawn: active, no task - while host and node still name the source. */
  private async spawned(): Promise<boolean> {
    if (!this.destAlive()) return false;
    const [upd] = await this.db.pool.query<ResultSetHeader>(
      `UPDATE ${this.inst.cell.nova('instances')} SET vm_state = 'active', task_state = NULL, power_state = ?, launched_at = UTC_TIMESTAMP(),
         progress = 0, updated_at = UTC_TIMESTAMP()
       WHERE uuid = ? AND deleted = 0 AND task_state = 'rebuild_spawning'`,
      [POWER_STATE.RUNNING, this.inst.uuid],
    );
    if (upd.affectedRows !== 1) return this.computeFailed(this.eventId, false);
    return true;
  }

  /** An instance that was stopped (or any, from 2.95) is brought to stopped: powering-off, then stopped. */
  private async powerOff(): Promise<boolean> {
    if (!this.destAlive()) return false;
    await this.db.pool.query(
      `UPDATE ${this.inst.cell.nova('instances')} SET task_state = 'powering-off', updated_at = UTC_TIMESTAMP()
       WHERE uuid = ? AND deleted = 0 AND task_state IS NULL AND vm_state = 'active'`,
      [this.inst.uuid],
    );
    return true;
  }

  private async stopped(): Promise<boolean> {
    if (!this.destAlive()) return false;
    await this.db.pool.query(
      `UPDATE ${this.inst.cell.nova('instances')} SET vm_state = 'stopped', task_state = NULL, power_state = ?, updated_at = UTC_TIMESTAMP()
       WHERE uuid = ? AND deleted = 0 AND task_state = 'powering-off'`,
      [POWER_STATE.SHUTDOWN, this.inst.uuid],
    );
    return true;
  }

  /** finish_evacuation: host and node become the destination's, then the migration is done. */
  private async finish(): Promise<boolean> {
    if (!this.destAlive()) return false;
    const [upd] = await this.db.pool.query<ResultSetHeader>(
      `UPDATE ${this.inst.cell.nova('instances')} SET host = ?, node = ?, updated_at = UTC_TIMESTAMP() WHERE uuid = ? AND deleted = 0`,
      [this.dest, this.dest, this.inst.uuid],
    );
    if (upd.affectedRows !== 1) return this.computeFailed(this.eventId, false);
    await this.setMigration({ status: 'done' });
    await finishEvent(this.sim, this.inst.cell, this.actionId, this.eventId, true);
    return true;
  }
}
