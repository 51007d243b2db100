// Step 0 (read-only). "Identify the VMs on the affected hosts" — from the Compute API (`--host`)
// and the cell database, cross-checked; both hosts' nova-compute; each instance's kind (boot from
// volume or image-backed) and volumes; whether the target sees its directory under instances_path
// (shared storage); its Placement allocations. Service VMs are left out in bulk and named.
// Everything an operator typed that names nothing real stops the run here, before any change.
import { readVolumes } from '../lib/bulk-read.js';
import type { Step, StepContext } from '../../src/engine/runbook.js';
import { UsageError } from '../../src/engine/errors.js';
import { showList } from '../../src/values/show-value.js';
import { selectRows } from '../../src/operations/sql.js';
import type { DbName } from '../../src/operations/types.js';
import { listComputeServices, type ComputeService } from '../../src/operations/openstack/os-services.js';
import { listServers, showServer } from '../../src/operations/openstack/servers.js';
import { chooseMicroversions } from './microversions.js';
import { findProviders, providerTree } from '../../src/operations/openstack/placement-providers.js';
import { showAllocations } from '../../src/operations/openstack/allocations.js';
import { parseInstanceDirProbe, probeInstanceDirs } from '../../src/operations/host-files.js';
import {
  evacuationStops,
  excludedFact,
  hostsFact,
  instancesFact,
  label,
  losesRootDisk,
  type ExcludedInstance,
  type FailedInstance,
  type FailedNodeParams,
  type HostInfo,
  type VolumeRef,
} from './facts.js';
import type { HostServer } from './read-servers.js';
import { serviceVmReason } from './service-vms.js';
import { rebuildHoldReason, stateHoldReason } from './guards.js';
import { INSTANCES_TSV, instancesTsv } from './report.js';
import { instancesPathFact, resolveInstancesPath, targetInstancesPath } from './instances-path.js';
import { cellNote, failedNodeCell, wrongCellHint } from './cell.js';

const CHUNK = 500;

export const preflightStep: Step<FailedNodeParams> = {
  id: 'preflight',
  title: 'Preflight: identify the VMs on the failed host, the state of both hosts and how each instance keeps its disks',
  changes: 'nothing (read-only)',
  readOnly: true,
  async plan(ctx) {
    const p = ctx.params;
    // First: a cloud too old for a request novaops sends is told so before any of them is sent.
    const microversions = await chooseMicroversions(ctx);
    const services = (await ctx.read(listComputeServices({ fencing: true }))).value;
    const failedService = serviceOf(services, p.failedHost, '--failed-host');
    const targetService = serviceOf(services, p.targetHost, '--target-host');
    // A target that is down is the state of the cloud, not bad input: its guard refuses the first
    // step that would change anything (exit 3), after the whole plan has been shown.
    const targetProblem = targetUnusable(targetService);
    if (targetProblem) ctx.warn(`--target-host ${targetService.host}: ${targetProblem}; the instances could not start there: a live run is refused until it is up and enabled`);

    // Checked before the run existed too (check-input.ts); read again: the mappings may have changed.
    const cell = await failedNodeCell(ctx, services.map((s) => s.host));
    const [failed, target] = await Promise.all([hostInfo(ctx, cell.db, failedService), hostInfo(ctx, cell.db, targetService)]);
    await hostsFact.set(ctx, { failed, target, cell: cell.name });

    const evacuateAt = microversions.evacuate;

    const { instances, excluded, notes } = await findInstances(ctx, cell.db, failed, target);
    await instancesFact.set(ctx, instances);
    await excludedFact.set(ctx, excluded);
    if (instances.length > 0) await ctx.artifacts.write(INSTANCES_TSV, instancesTsv(instances, excluded));

    notes.unshift(
      `failed host ${failed.host}: nova-compute ${failedService.state}${failedService.forcedDown ? ' (forced down)' : ''}, ${failedService.status}, service updated ${failedService.updatedAt ?? 'never'}; node ${failed.node}, provider ${failed.provider}`,
      `target host ${target.host}: nova-compute ${targetService.state}, ${targetService.status}; node ${target.node}, host_ip ${target.hostIp ?? 'unknown'}, provider ${target.provider}`,
    );
    notes.unshift(...microversions.notes);
    const where = cellNote(ctx, cell);
    if (where) notes.unshift(where);
    if (failed.zone && target.zone && failed.zone !== target.zone) {
      ctx.warn(`${failed.host} is in availability zone ${failed.zone}, ${target.host} in ${target.zone}: the instances change zone`);
    }
    const bfv = instances.filter((i) => i.bootFromVolume).length;
    const rebuilt = instances.filter(losesRootDisk);
    notes.push(
      `${instances.length} instance(s) on ${failed.host}: ${whatWillMove(instances, p, { failed, target }, targetInstancesPath(ctx))}; ${bfv} boot from volume, ${instances.length - bfv} image-backed; ` +
        `${instances.reduce((n, i) => n + i.volumes.filter((v) => !v.boot).length, 0)} data volume(s)`,
    );
    if (rebuilt.length > 0) {
      const what = rebuilt.some((i) => i.sharedStorage === null) ? 'no shared storage, or it could not be checked' : 'no shared storage';
      ctx.warn(
        `${rebuilt.length} image-backed instance(s) whose disk is on ${failed.host} only (${what}): moved, each is REBUILT from its image and its root disk is LOST — ` +
          `${p.allowRebuild ? 'allowed by --allow-rebuild' : 'held back unless --allow-rebuild'}: ${showList(rebuilt.map(label), 10)}`,
      );
    }
    const stopped = instances.filter((i) => i.vmState === 'stopped');
    if (stopped.length > 0) {
      notes.push(
        p.method === 'evacuate'
          ? `${stopped.length} stopped instance(s): ${evacuateAt && evacuationStops(evacuateAt) ? 'they stay stopped on' : 'Nova brings each back stopped on'} ${target.host} (${showList(stopped.map(label), 5)})`
          : `${stopped.length} stopped instance(s) are moved but not rebooted: they stay stopped, and \`openstack server start\` builds them on ${target.host} (${showList(stopped.map(label), 5)})`,
      );
    }
    if (instances.length > 0) notes.push(`the instances as found: ${ctx.artifacts.dir}/${INSTANCES_TSV}`);
    return { items: [], notes };
  },
};

function serviceOf(services: ComputeService[], host: string, flag: string): ComputeService {
  const found = services.find((s) => s.host === host);
  if (found) return found;
  throw new UsageError(
    `${flag} ${host}: no nova-compute service runs on a host of that name`,
    `the compute hosts Nova knows: ${showList(services.map((s) => s.host).sort())} (openstack compute service list --service nova-compute)`,
  );
}

function targetUnusable(s: ComputeService): string | undefined {
  if (s.state !== 'up') return `its nova-compute is ${s.forcedDown ? 'forced down' : 'down'} (service updated ${s.updatedAt ?? 'never'})`;
  if (s.status !== 'enabled') return `its nova-compute is disabled${s.disabledReason ? ` (${s.disabledReason})` : ''}`;
  return undefined;
}

/** '5 to evacuate, 3 held back (image-backed, no --allow-rebuild)': the count the guards will make, not the instances found. */
function whatWillMove(instances: FailedInstance[], p: FailedNodeParams, hosts: { failed: HostInfo; target: HostInfo }, instancesPath: string): string {
  const why = new Map<string, number>();
  let moving = 0;
  for (const i of instances) {
    let reason: string | undefined;
    if (stateHoldReason(i, p.method) !== undefined) reason = 'a task in progress or a vm_state Nova does not move';
    else if (rebuildHoldReason(i, p, hosts, instancesPath) !== undefined) reason = p.method === 'evacuate' && i.dirOnTarget ? 'image-backed, its directory on the target without its disk' : 'image-backed, no --allow-rebuild';
    if (reason === undefined) moving += 1;
    else why.set(reason, (why.get(reason) ?? 0) + 1);
  }
  const verb = p.method === 'evacuate' ? 'to evacuate' : 'to move in the database';
  const held = [...why].map(([reason, n]) => `${n} ${reason}`).join(', ');
  return `${moving} ${verb}${held ? `, ${instances.length - moving} held back (${held})` : ''}`;
}

/** The host's compute node (cell DB, cross-checked with Placement) and its resource provider tree. */
async function hostInfo(ctx: StepContext<FailedNodeParams>, db: DbName, service: ComputeService): Promise<HostInfo> {
  const { rows = [] } = await ctx.read(
    selectRows(db, `read the compute node of ${service.host}`, 'SELECT uuid, hypervisor_hostname, host_ip FROM compute_nodes WHERE host = ? AND deleted = 0', [service.host]),
  );
  if (rows.length !== 1) {
    throw new UsageError(
      `${service.host} has ${rows.length} compute node(s) in the cell database; failed-node moves instances between hosts of one node each`,
      rows.length === 0 ? wrongCellHint(ctx) : 'hosts with several nodes (ironic) are not handled: move their instances by hand',
    );
  }
  const node = String(rows[0].hypervisor_hostname);
  const uuid = String(rows[0].uuid);
  const hostIp = rows[0].host_ip === null || rows[0].host_ip === undefined ? null : String(rows[0].host_ip);
  const providers = (await ctx.read(findProviders(node))).value;
  const provider = providers.find((rp) => rp.uuid === uuid);
  if (!provider) {
    throw new UsageError(
      `Placement has no resource provider ${uuid} named ${node} (compute node of ${service.host}; found: ${providers.map((rp) => rp.uuid).join(', ') || 'none'})`,
      'check Placement with: openstack resource provider list --name ' + node,
    );
  }
  const tree = (await ctx.read(providerTree(uuid))).value.map((rp) => rp.uuid);
  return { host: service.host, serviceId: service.id, zone: service.zone, node, hostIp, provider: uuid, providerTree: tree.includes(uuid) ? tree : [uuid, ...tree] };
}

interface DbInstance {
  uuid: string;
  name: string;
  node: string | null;
  vmState: string | null;
  taskState: string | null;
}

async function findInstances(
  ctx: StepContext<FailedNodeParams>,
  cellDb: DbName,
  failed: HostInfo,
  target: HostInfo,
): Promise<{ instances: FailedInstance[]; excluded: ExcludedInstance[]; notes: string[] }> {
  const p = ctx.params;
  const scoped = ctx.scope.instance?.uuid;
  const notes: string[] = [];
  const excluded: ExcludedInstance[] = [];

  const [apiServers, dbRows] = await Promise.all([
    scoped ? ctx.read(showServer(scoped)).then((r) => [r.value]) : ctx.read(listServers({ host: failed.host })).then((r) => r.value),
    ctx.read(
      selectRows(
        cellDb,
        `read the instances on ${failed.host}`,
        `SELECT uuid, display_name, node, vm_state, task_state FROM instances WHERE host = ? AND deleted = 0${scoped ? ' AND uuid = ?' : ''} ORDER BY uuid`,
        scoped ? [failed.host, scoped] : [failed.host],
        { host: failed.host },
      ),
    ).then((r) => r.rows ?? []),
  ]);
  const db = new Map<string, DbInstance>(
    dbRows.map((r) => [String(r.uuid), { uuid: String(r.uuid), name: String(r.display_name ?? ''), node: nullable(r.node), vmState: nullable(r.vm_state), taskState: nullable(r.task_state) }]),
  );
  if (scoped) {
    const s = apiServers[0];
    if (s.host !== failed.host || !db.has(scoped)) {
      throw new UsageError(
        `--test-instance ${label(s)} is on ${s.host ?? 'no host'}${db.has(scoped) ? '' : ' (the cell database does not place it on ' + failed.host + ' either)'}, not on the failed host ${failed.host}`,
        `rehearse on an instance of ${failed.host}: openstack server list --all-projects --host ${failed.host}`,
      );
    }
  }
  const api = new Map<string, HostServer>(apiServers.filter((s) => s.host === failed.host).map((s) => [s.id, s]));
  if (!scoped && api.size > 0 && [...api.keys()].every((u) => !db.has(u))) {
    throw new UsageError(
      `the Compute API lists ${api.size} instance(s) on ${failed.host} but the cell database novaops reads has none of them`,
      wrongCellHint(ctx),
    );
  }
  for (const [uuid, s] of api) if (!db.has(uuid)) excluded.push({ uuid, name: s.name, reason: `the cell database does not place it on ${failed.host}: look at it by hand` });
  for (const [uuid, r] of db) if (!api.has(uuid)) excluded.push({ uuid, name: r.name, reason: `the Compute API does not list it on ${failed.host}: look at it by hand` });
  const mismatched = excluded.length;
  if (mismatched === 0) notes.push(`cross-check: the Compute API and the cell database agree on ${api.size} instance(s) on ${failed.host}`);
  else ctx.warn(`cross-check: ${mismatched} instance(s) on ${failed.host} in only one of the Compute API and the cell database are left alone: ${showList(excluded.map((e) => label(e)), 10)}`);

  const servers = [...api.values()].filter((s) => db.has(s.id));
  const service: HostServer[] = [];
  const pattern = new RegExp(p.serviceVmNames);
  const candidates: HostServer[] = [];
  for (const s of servers) {
    const reason = serviceVmReason(s, pattern, p.serviceVmMetadata);
    if (reason && !scoped) {
      service.push(s);
      excluded.push({ uuid: s.id, name: s.name, reason: `service VM (${reason}): its own service fails it over` });
    } else candidates.push(s);
  }
  if (service.length > 0) {
    ctx.warn(`${service.length} service VM(s) left on ${failed.host} (their service recovers them, e.g. an Octavia failover): ${showList(service.map(label), 10)}`);
  }

  const uuids = candidates.map((s) => s.id);
  const [bdms, allocations, probe] = await Promise.all([readBdms(ctx, cellDb, uuids), readAllocations(ctx, uuids), probeTarget(ctx, target, uuids)]);
  if (probe.note) notes.push(probe.note);

  const instances: FailedInstance[] = candidates.map((s) => {
    const row = db.get(s.id)!;
    const volumes = bdms.get(s.id) ?? [];
    const bootFromVolume = volumes.some((v) => v.boot);
    if (bootFromVolume === (s.imageId !== null)) {
      ctx.warn(`${label(s)}: the database says it boots ${bootFromVolume ? 'from a volume' : 'from an image'}, the Compute API ${s.imageId ? `names image ${s.imageId}` : 'names no image'}; the database is used`);
    }
    const apiVolumes = new Set(s.volumesAttached);
    const dbVolumes = new Set(volumes.map((v) => v.id));
    const onlyApi = [...apiVolumes].filter((v) => !dbVolumes.has(v));
    const onlyDb = [...dbVolumes].filter((v) => !apiVolumes.has(v));
    if (onlyApi.length || onlyDb.length) {
      ctx.warn(`${label(s)}: volumes differ between the database (${[...dbVolumes].join(', ') || 'none'}) and the Compute API (${[...apiVolumes].join(', ') || 'none'}); the database is used`);
    }
    const dir = probe.dirs?.get(s.id);
    return {
      uuid: s.id,
      name: s.name,
      status: s.status,
      vmState: row.vmState,
      taskState: row.taskState,
      node: row.node,
      bootFromVolume,
      imageId: s.imageId,
      volumes,
      sharedStorage: probe.dirs ? dir !== undefined && (bootFromVolume || dir.disk) : null,
      dirOnTarget: dir !== undefined,
      libvirtXml: dir?.libvirtXml ?? false,
      allocations: allocations.get(s.id) ?? {},
    };
  });
  await crossCheckVolumes(ctx, instances, notes);
  const noAllocation = instances.filter((i) => !Object.keys(i.allocations).some((rp) => failed.providerTree.includes(rp)));
  if (noAllocation.length > 0) notes.push(`${noAllocation.length} instance(s) hold no Placement allocation on ${failed.host}'s provider: ${showList(noAllocation.map(label), 5)}`);
  return { instances, excluded, notes };
}

/** The Volume API should agree with block_device_mapping; a disagreement is named, the database is the record. */
async function crossCheckVolumes(ctx: StepContext, instances: FailedInstance[], notes: string[]): Promise<void> {
  const pairs = instances.flatMap((i) => i.volumes.map((v) => ({ i, v })));
  if (pairs.length === 0) return;
  const ids = [...new Set(pairs.map((p) => p.v.id))];
  const byId = await readVolumes(ctx, ids);
  const problems: string[] = [];
  for (const { i, v } of pairs) {
    const volume = byId.get(v.id);
    if (!volume) problems.push(`volume ${v.id} of ${label(i)}: not found by the Volume API`);
    else if (!volume.attachments.some((a) => a.serverId === i.uuid)) problems.push(`volume ${v.id} of ${label(i)}: the Volume API says ${volume.status}, not attached to it`);
  }
  if (problems.length === 0) notes.push(`cross-check: the Volume API agrees on ${pairs.length} volume attachment(s)`);
  else ctx.warn(`cross-check: ${problems.length} volume attachment(s) the database records and the Volume API does not (an evacuation attaches them again on the target): ${showList(problems, 10)}`);
}

function nullable(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

/** Each instance's volumes from block_device_mapping: the boot volume (boot_index 0) and the data volumes. */
async function readBdms(ctx: StepContext, db: DbName, uuids: string[]): Promise<Map<string, VolumeRef[]>> {
  const out = new Map<string, VolumeRef[]>();
  for (let i = 0; i < uuids.length; i += CHUNK) {
    const chunk = uuids.slice(i, i + CHUNK);
    const { rows = [] } = await ctx.read(
      selectRows(
        db,
        `read the block devices of ${chunk.length} instance(s)`,
        `SELECT instance_uuid, volume_id, device_name, boot_index FROM block_device_mapping WHERE deleted = 0 AND destination_type = 'volume' AND instance_uuid IN (${chunk.map(() => '?').join(', ')}) ORDER BY instance_uuid, device_name`,
        chunk,
      ),
    );
    for (const r of rows) {
      if (r.volume_id === null || r.volume_id === undefined) continue;
      const list = out.get(String(r.instance_uuid)) ?? [];
      list.push({ id: String(r.volume_id), device: nullable(r.device_name), boot: Number(r.boot_index) === 0 && r.boot_index !== null });
      out.set(String(r.instance_uuid), list);
    }
  }
  return out;
}

async function readAllocations(ctx: StepContext, uuids: string[]): Promise<Map<string, Record<string, Record<string, number>>>> {
  const found = await ctx.mapLimit(uuids, async (uuid) => [uuid, (await ctx.read(showAllocations(uuid))).value] as const);
  return new Map(found.map(([uuid, a]) => [uuid, Object.fromEntries(Object.entries(a.allocations).map(([rp, x]) => [rp, x.resources]))]));
}

/** Which instance directories the target sees (shared storage), and which hold a libvirt.xml. */
async function probeTarget(ctx: StepContext<FailedNodeParams>, target: HostInfo, uuids: string[]): Promise<{ dirs?: Map<string, { libvirtXml: boolean; disk: boolean }>; note?: string }> {
  if (uuids.length === 0) return {};
  if (!ctx.hosts().includes(target.host)) {
    ctx.warn(`${target.host} is not in the novaops config (hosts:): whether it sees <instances_path>/<uuid>/ (shared storage) cannot be checked, so no instance counts as on shared storage`);
    await instancesPathFact.set(ctx, null);
    return {};
  }
  const where = await resolveInstancesPath(ctx, target.host);
  await instancesPathFact.set(ctx, where);
  if (where === null) return {};
  const path = where.path;
  const dirs = new Map<string, { libvirtXml: boolean; disk: boolean }>();
  for (let i = 0; i < uuids.length; i += CHUNK) {
    const result = await ctx.tryRead(probeInstanceDirs(target.host, path, uuids.slice(i, i + CHUNK)));
    if (!result.ok) {
      ctx.warn(`could not look under ${path} on ${target.host} (${result.error}): no instance counts as on shared storage`);
      return {};
    }
    const probe = parseInstanceDirProbe(result.stdout ?? '');
    if (!probe.instancesPathExists) {
      ctx.warn(`${path} (${where.from}) does not exist on ${target.host}: no instance counts as on shared storage`);
      return {};
    }
    for (const [u, d] of probe.dirs) dirs.set(u, d);
  }
  const xml = [...dirs.values()].filter((d) => d.libvirtXml).length;
  return { dirs, note: `${target.host} sees ${dirs.size} of ${uuids.length} instance director${uuids.length === 1 ? 'y' : 'ies'} under ${path} (${where.from}), ${xml} with a libvirt.xml` };
}
