// Scenario failed-node: one compute host died (the guide's "Recover from a failed compute node").
// Its power is off in the lab's sense: its nova-compute stopped reporting, so /os-services shows it
// down once service_down_time has passed since its last heartbeat (heartbeatAgeSeconds ago: 0 = it
// just died and still reads up), and its iscsiadm answers like an unreachable host. On it: instances
// of every kind - image-backed, boot-from-volume, image-backed with data volumes, one service VM
// (an Octavia-like amphora-<uuid> with service metadata), one of them stopped - each with its
// allocation on the failed host's resource provider and its files under the instances path. The
// other hosts are up and hold a few healthy instances. Options: sharedStorage (every host sees
// <instances_path>/<uuid>/, so evacuate keeps the disks), legacyLibvirtXml (libvirt.xml in each
// instance's directory on the failed host and on the target, as older deployments left them).
// With two cells the failed host and its target share a cell (Nova never evacuates across cells)
// and every other host is in the other cell, with its healthy instances.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { splitHosts, type CellCount, type CellName } from '../cells.js';
import { ExitCode, NovaopsError } from '../../errors.js';
import { setHostPower } from '../hosts.js';
import type { LabDb } from '../lab-db.js';
import { hostPaths, labPaths } from '../paths.js';
import { seededRng } from '../random.js';
import { volumeIqn, writeSessionTable } from '../sessions-file.js';
import { legacyVolumeName } from '../simulator/volume-backend-legacy.js';
import { ADMIN_PROJECT_ID, ADMIN_USER_ID, DEMO_PROJECT_ID, DEMO_USER_ID, type LabInfo } from '../types.js';
import { libvirtXml, writeInstanceXml } from './libvirt-xml.js';
import { isBootFromVolume, planVolume, type PlanInstance, type PlanVolume, type PowerLossPlan } from './power-loss-plan.js';
import { cellOf, scenarioLayout, writeCellLayout, type CellLayout, type ScenarioCell } from './cell-layout.js';
import { resetLabData } from './reset-data.js';
import { computeNodeUuid, computeServiceId, IMAGE_REF, instanceResources, serviceUuid, writeCommon } from './write-common.js';
import { writeLegacy } from './write-legacy.js';
import { modernVolumeName, writeModern } from './write-modern.js';

export interface FailedNodeOptions {
  /** Instances on the failed host (default 8). */
  instances?: number;
  /** Volumes attached to them: boot volumes and data volumes (default 6). */
  volumes?: number;
  /** Healthy instances on the other hosts (default 2 per other host). */
  otherInstances?: number;
  sharedStorage?: boolean;
  legacyLibvirtXml?: boolean;
  seed?: number;
  /** Default: the first lab host. */
  failedHost?: string;
  /** The host a recovery should move the instances to (default: the first other host). */
  targetHost?: string;
  /** Seconds since the failed host's last heartbeat (default 0: its service still reads up until service_down_time passes). */
  heartbeatAgeSeconds?: number;
}

export type FailedNodeKind = 'image' | 'image-with-volumes' | 'boot-from-volume' | 'service-vm';

export interface FailedNodeVolume {
  id: string;
  instance: string;
  device: string;
  /** 0 for a boot volume. */
  bootIndex: 0 | null;
  host: string;
  attachmentId: string | null;
}

export interface FailedNodeInstance {
  uuid: string;
  name: string;
  host: string;
  cell: CellName;
  kind: FailedNodeKind | 'healthy';
  vmState: string;
  powerState: number;
  projectId: string;
  /** '' for a boot-from-volume instance (Nova's image_ref), the image otherwise. */
  imageRef: string;
  metadata: Record<string, string>;
  volumes: FailedNodeVolume[];
  /** By resource provider uuid, as GET /allocations/{uuid} shows them. */
  allocations: Record<string, Record<string, number>>;
}

export interface FailedNodeSummary {
  name: 'failed-node';
  flavour: LabInfo['flavour'];
  seed: number;
  hosts: string[];
  failedHost: string;
  targetHost: string;
  /** The mapped cells (cell0 first) with their schema and compute hosts. */
  cells: ScenarioCell[];
  /** The failed host's (and the target's) cell. */
  failedCell: CellName;
  /** The failed host's nova-compute: its id in its cell (before 2.53) and uuid (PUT /os-services/{uuid} from 2.53). */
  failedService: { id: number; uuid: string };
  /** Resource provider uuid (= compute node uuid) of every host. */
  providers: Record<string, string>;
  sharedStorage: boolean;
  legacyLibvirtXml: boolean;
  heartbeatAgeSeconds: number;
  counts: { instances: number; volumes: number; otherInstances: number };
  /** Everything on the failed host. */
  instances: FailedNodeInstance[];
  /** Healthy instances on the other hosts: a recovery must leave them alone. */
  otherInstances: FailedNodeInstance[];
  byKind: Record<FailedNodeKind, string[]>;
  /** Every volume attachment of the failed host's instances (boot volumes included). */
  volumes: FailedNodeVolume[];
  /** The target's instances path (its nova.conf says so: the lab's hosts keep it under their own directory). */
  instancesPath: string;
  /** libvirt.xml files written (absolute paths), with legacyLibvirtXml. */
  libvirtXmlFiles: string[];
}

interface Plan {
  seed: number;
  failedHost: string;
  targetHost: string;
  kinds: Map<string, FailedNodeKind | 'healthy'>;
  power: PowerLossPlan;
}

const BASE = Date.UTC(2025, 0, 6, 8, 0, 0);

export function planFailedNode(info: LabInfo, o: FailedNodeOptions): Plan {
  const hosts = info.hosts;
  if (hosts.length < 2) throw new Error('failed-node needs a lab with at least 2 hosts (novaops lab up --hosts 2)');
  const failedHost = o.failedHost ?? hosts[0];
  if (!hosts.includes(failedHost)) throw new Error(`failed-node: no lab host ${failedHost} (hosts: ${hosts.join(', ')})`);
  const others = hosts.filter((h) => h !== failedHost);
  const targetHost = o.targetHost ?? others[0];
  if (!others.includes(targetHost)) throw new Error(`failed-node: target host ${targetHost} must be another lab host (${others.join(', ')})`);
  const seed = o.seed ?? 1;
  const rng = seededRng(seed);
  const modern = info.flavour === 'modern';
  const N = o.instances ?? 8;
  const M = o.volumes ?? 6;
  const O = o.otherInstances ?? 2 * others.length;

  const instances: PlanInstance[] = [];
  const kinds = new Map<string, FailedNodeKind | 'healthy'>();
  const add = (n: number, host: string, kind: FailedNodeKind | 'healthy', name?: string): PlanInstance => {
    const demo = n % 4 === 0;
    const inst: PlanInstance = {
      n,
      uuid: rng.uuid(),
      name: name ?? `vm-${String(n).padStart(4, '0')}`,
      host,
      projectId: demo ? DEMO_PROJECT_ID : ADMIN_PROJECT_ID,
      userId: demo ? DEMO_USER_ID : ADMIN_USER_ID,
      role: kind === 'healthy' ? 'healthy' : kind,
      vmState: 'active',
      powerState: 1,
      address: `127.0.${1 + Math.floor((n - 1) / 250)}.${1 + ((n - 1) % 250)}`,
      mac: `fa:16:3e:${rng.hex(2)}:${rng.hex(2)}:${rng.hex(2)}`,
      createdAt: new Date(BASE + n * 60_000),
      volumes: [],
      bootFromVolume: kind === 'boot-from-volume',
    };
    instances.push(inst);
    kinds.set(inst.uuid, kind);
    return inst;
  };

  // Kinds on the failed host: a service VM, boot-from-volume ones (each takes a boot volume),
  // image-backed ones with the data volumes, and plain image-backed ones.
  const serviceVms = N >= 4 ? 1 : 0;
  const bfv = modern && N >= 2 && M >= 1 ? Math.min(M, Math.max(1, Math.floor(N / 5)), N - serviceVms) : 0;
  const data = M - bfv;
  const withVolumes = data > 0 ? Math.min(data, Math.max(1, Math.floor(N / 3)), N - serviceVms - bfv) : 0;
  let n = 0;
  const failed: PlanInstance[] = [];
  for (let i = 0; i < serviceVms; i++) {
    const amphoraId = rng.uuid();
    const inst = add(++n, failedHost, 'service-vm', `amphora-${amphoraId}`);
    inst.projectId = ADMIN_PROJECT_ID;
    inst.userId = ADMIN_USER_ID;
    inst.metadata = { 'octavia-amphora-id': amphoraId, service: 'octavia', role: 'amphora' };
    failed.push(inst);
  }
  const bfvList = Array.from({ length: bfv }, () => add(++n, failedHost, 'boot-from-volume'));
  const withList = Array.from({ length: withVolumes }, () => add(++n, failedHost, 'image-with-volumes'));
  failed.push(...bfvList, ...withList);
  while (failed.length < N) failed.push(add(++n, failedHost, 'image'));
  // One instance was stopped before the host died: evacuate brings it back stopped.
  const plain = failed.filter((i) => kinds.get(i.uuid) === 'image');
  if (N >= 6 && plain.length > 0) Object.assign(plain[plain.length - 1], { vmState: 'stopped', powerState: 4 });
  for (let i = 0; i < O; i++) add(++n, others[i % others.length], 'healthy');

  const volumes: PlanVolume[] = [];
  const newVolume = (role: 'boot' | 'attached', owner: PlanInstance, device: string): PlanVolume => {
    const v = planVolume(rng, modern, volumes.length + 1, role, owner, BASE);
    v.attachments.push({ instance: owner.uuid, device, host: owner.host, attachmentId: rng.uuid() });
    owner.volumes.push(v.id);
    volumes.push(v);
    return v;
  };
  for (const inst of bfvList) newVolume('boot', inst, '/dev/vda');
  // Data volumes go round the image-backed instances with volumes, and the first boot-from-volume one.
  const holders = [...withList, ...bfvList.slice(0, 1)];
  const dataCount = new Map<string, number>();
  for (let i = 0; i < data && holders.length > 0; i++) {
    const inst = holders[i % holders.length];
    const k = dataCount.get(inst.uuid) ?? 0;
    dataCount.set(inst.uuid, k + 1);
    newVolume('attached', inst, `/dev/vd${String.fromCharCode('b'.charCodeAt(0) + k)}`);
  }
  return { seed, failedHost, targetHost, kinds, power: { seed, instances, volumes } };
}

/** One cell: the default. Two: the failed host and its target in the failed host's cell, every other host in the other. */
function failedNodeLayout(info: LabInfo, cells: CellCount, failedHost: string, targetHost: string): CellLayout {
  const layout = scenarioLayout(info, cells);
  if (cells === 1) return layout;
  if (info.hosts.length < 3) {
    throw new NovaopsError(
      `failed-node --cells 2 needs a lab with at least 3 hosts (it has ${info.hosts.length}): the failed host and its target share a cell, the other cell holds the rest`,
      'novaops lab down --wipe, then novaops lab up --hosts 3',
      ExitCode.usage,
    );
  }
  const failedCell = splitHosts(info.hosts, 2).get(failedHost)!;
  const otherCell: CellName = failedCell === 'cell1' ? 'cell2' : 'cell1';
  return new Map(info.hosts.map((h) => [h, h === failedHost || h === targetHost ? failedCell : otherCell]));
}

export async function applyFailedNode(info: LabInfo, db: LabDb, opts: FailedNodeOptions, cellCount: CellCount = 1): Promise<FailedNodeSummary> {
  const plan = planFailedNode(info, opts);
  const { power, failedHost, targetHost } = plan;
  const layout = failedNodeLayout(info, cellCount, failedHost, targetHost);
  const now = new Date();
  const age = Math.max(0, opts.heartbeatAgeSeconds ?? 0);
  await resetLabData(info, db);
  // Off before any row exists, so the simulator's heartbeat never reports for it again.
  await setHostPower(info.dir, failedHost, false);
  const cells = await writeCellLayout(db, layout, power.instances);
  await writeCommon(db, power.instances, info.hosts, now, layout);
  if (info.flavour === 'modern') await writeModern(db, power, now, layout);
  else await writeLegacy(db, power, now);
  // Counted from now, not from when the scenario began: writing it takes a moment.
  const lastBeat = new Date(Date.now() - age * 1000);
  await db.pool.query(
    `UPDATE ${db.cell(cellOf(layout, failedHost)).nova('services')} SET last_seen_up = ?, updated_at = ? WHERE host = ? AND \`binary\` = 'nova-compute'`,
    [lastBeat, lastBeat, failedHost],
  );

  const volName = (id: string) => (info.flavour === 'modern' ? modernVolumeName(id) : legacyVolumeName(Number(id)));
  const iqns = power.volumes.map((v) => volumeIqn(volName(v.id)));
  await writeFile(labPaths(info.dir).iscsiTargets, iqns.map((l) => l + '\n').join(''));
  // The sessions the host had when it died (it answers nothing now).
  await writeSessionTable(info.dir, failedHost, iqns);

  const shared = Boolean(opts.sharedStorage);
  if (shared) await writeFile(labPaths(info.dir).sharedStorage, 'every lab host mounts one instances path (scenario failed-node --shared-storage)\n');
  const xmlFiles: string[] = [];
  const volById = new Map(power.volumes.map((v) => [v.id, v]));
  for (const inst of power.instances) {
    const seenBy = shared ? info.hosts : [inst.host];
    for (const h of seenBy) await writeInstanceFiles(info.dir, h, inst);
    if (opts.legacyLibvirtXml && inst.host === failedHost) {
      const disks = inst.volumes.map((id) => {
        const v = volById.get(id)!;
        return { device: v.attachments[0].device, volumeName: volName(v.id) };
      });
      const xml = libvirtXml(inst, disks, isBootFromVolume(inst));
      for (const h of new Set([failedHost, targetHost, ...(shared ? info.hosts : [])])) {
        await writeInstanceXml(info.dir, { ...inst, host: h }, xml);
        xmlFiles.push(path.join(hostPaths(info.dir, h).instancesDir, inst.uuid, 'libvirt.xml'));
      }
    }
  }

  const summary = summarize(info, plan, { shared, xml: Boolean(opts.legacyLibvirtXml), age, xmlFiles, cells, layout });
  await writeFile(labPaths(info.dir).scenarioJson, JSON.stringify(summary, null, 2) + '\n');
  return summary;
}

/** What the libvirt driver keeps in <instances_path>/<uuid>/: the disk (image-backed) and the console log. */
async function writeInstanceFiles(labDirectory: string, host: string, inst: PlanInstance): Promise<void> {
  const dir = path.join(hostPaths(labDirectory, host).instancesDir, inst.uuid);
  await mkdir(dir, { recursive: true });
  if (!isBootFromVolume(inst)) await writeFile(path.join(dir, 'disk'), `qcow2 root disk of ${inst.name}, backing file _base/${IMAGE_REF}\n`);
  await writeFile(path.join(dir, 'console.log'), `[    0.000000] Linux version 6.1.0 (lab guest ${inst.name})\n`);
}

function summarize(
  info: LabInfo,
  plan: Plan,
  o: { shared: boolean; xml: boolean; age: number; xmlFiles: string[]; cells: ScenarioCell[]; layout: CellLayout },
): FailedNodeSummary {
  const { power, failedHost, targetHost, kinds } = plan;
  const failedCell = cellOf(o.layout, failedHost);
  const modern = info.flavour === 'modern';
  const volumesOf = (inst: PlanInstance): FailedNodeVolume[] =>
    power.volumes
      .filter((v) => v.attachments[0].instance === inst.uuid)
      .map((v) => ({
        id: v.id,
        instance: inst.uuid,
        device: v.attachments[0].device,
        bootIndex: v.role === 'boot' ? 0 : null,
        host: inst.host,
        attachmentId: modern ? v.attachments[0].attachmentId : null,
      }));
  const view = (inst: PlanInstance): FailedNodeInstance => ({
    uuid: inst.uuid,
    name: inst.name,
    host: inst.host,
    cell: cellOf(o.layout, inst.host),
    kind: kinds.get(inst.uuid)!,
    vmState: inst.vmState,
    powerState: inst.powerState,
    projectId: inst.projectId,
    imageRef: isBootFromVolume(inst) ? '' : IMAGE_REF,
    metadata: inst.metadata ?? {},
    volumes: volumesOf(inst),
    allocations: { [computeNodeUuid(inst.host)]: instanceResources(inst) },
  });
  const onFailed = power.instances.filter((i) => i.host === failedHost).map(view);
  const byKind: Record<FailedNodeKind, string[]> = { image: [], 'image-with-volumes': [], 'boot-from-volume': [], 'service-vm': [] };
  for (const i of onFailed) byKind[i.kind as FailedNodeKind].push(i.uuid);
  return {
    name: 'failed-node',
    flavour: info.flavour,
    seed: plan.seed,
    hosts: info.hosts,
    failedHost,
    targetHost,
    cells: o.cells,
    failedCell,
    failedService: {
      id: computeServiceId(info.hosts.filter((h) => cellOf(o.layout, h) === failedCell), failedHost),
      uuid: serviceUuid(failedHost, 'nova-compute'),
    },
    providers: Object.fromEntries(info.hosts.map((h) => [h, computeNodeUuid(h)])),
    sharedStorage: o.shared,
    legacyLibvirtXml: o.xml,
    heartbeatAgeSeconds: o.age,
    counts: { instances: onFailed.length, volumes: power.volumes.length, otherInstances: power.instances.length - onFailed.length },
    instances: onFailed,
    otherInstances: power.instances.filter((i) => i.host !== failedHost).map(view),
    byKind,
    volumes: onFailed.flatMap((i) => i.volumes),
    instancesPath: hostPaths(info.dir, targetHost).instancesDir,
    libvirtXmlFiles: o.xmlFiles,
  };
}
