// Scenario stuck-instance: instances stuck in an intermediate task_state (the guide's "Reset the
// state of an instance"): deleting, rebooting (reboot_started_hard) and migrating, each for various
// times (updated_at 5 min, 45 min and 3 h ago), beside healthy ones. Every host is up, so nothing
// ever finishes them: a DELETE of one stuck in deleting changes nothing (Nova ignores it), a HARD
// reboot of one in reboot_started_hard is 409; os-resetState then DELETE or reboot is the way out.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CellCount, CellName } from '../cells.js';
import type { LabDb } from '../lab-db.js';
import { hostPaths, labPaths } from '../paths.js';
import { seededRng } from '../random.js';
import { volumeIqn, writeSessionTable } from '../sessions-file.js';
import { serverStatus } from '../simulator/state-map.js';
import { legacyVolumeName } from '../simulator/volume-backend-legacy.js';
import { ADMIN_PROJECT_ID, ADMIN_USER_ID, DEMO_PROJECT_ID, DEMO_USER_ID, type LabInfo } from '../types.js';
import { cellOf, scenarioLayout, writeCellLayout, type ScenarioCell } from './cell-layout.js';
import type { PlanInstance, PlanVolume } from './power-loss-plan.js';
import { resetLabData } from './reset-data.js';
import { writeCommon } from './write-common.js';
import { writeLegacy } from './write-legacy.js';
import { modernVolumeName, writeModern } from './write-modern.js';

export interface StuckInstanceOptions {
  /** All instances (default 12): about three quarters stuck, the rest healthy. */
  instances?: number;
  /** Data volumes attached to the stuck ones (default 3). */
  volumes?: number;
  seed?: number;
}

/** The task_states the scenario leaves instances in, with the vm_state each goes with. */
export const STUCK_STATES = [
  { taskState: 'deleting', vmState: 'active' },
  { taskState: 'reboot_started_hard', vmState: 'active' },
  { taskState: 'migrating', vmState: 'active' },
] as const;

/** How long they have been stuck: 5 minutes, 45 minutes, 3 hours. */
export const STUCK_AGES_SECONDS = [300, 2700, 10_800] as const;

export interface StuckInstance {
  uuid: string;
  name: string;
  host: string;
  cell: CellName;
  projectId: string;
  vmState: string;
  taskState: string | null;
  powerState: number;
  /** The API's status for (vm_state, task_state), e.g. HARD_REBOOT. */
  status: string;
  /** Seconds between updated_at and the moment the scenario was written. */
  ageSeconds: number;
  /** instances.updated_at (UTC, whole seconds as the DB keeps it). */
  updatedAt: string;
  stuck: boolean;
  volumes: string[];
}

export interface StuckInstanceSummary {
  name: 'stuck-instance';
  flavour: LabInfo['flavour'];
  seed: number;
  hosts: string[];
  /** The mapped cells (cell0 first) with their schema and compute hosts. */
  cells: ScenarioCell[];
  /** When the scenario was written (ages count back from it). */
  writtenAt: string;
  counts: { instances: number; volumes: number; stuck: number; healthy: number };
  instances: StuckInstance[];
  stuck: string[];
  healthy: string[];
  byTaskState: Record<string, string[]>;
}

export async function applyStuckInstance(info: LabInfo, db: LabDb, o: StuckInstanceOptions, cellCount: CellCount = 1): Promise<StuckInstanceSummary> {
  const layout = scenarioLayout(info, cellCount);
  const seed = o.seed ?? 1;
  const rng = seededRng(seed);
  const N = o.instances ?? 12;
  const M = o.volumes ?? 3;
  const modern = info.flavour === 'modern';
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const base = Date.UTC(2025, 0, 6, 8, 0, 0);
  const healthyCount = N >= 2 ? Math.max(1, Math.floor(N / 4)) : 0;
  const stuckCount = N - healthyCount;

  const instances: PlanInstance[] = [];
  const ages = new Map<string, number>();
  for (let n = 1; n <= N; n++) {
    const demo = n % 4 === 0;
    const stuck = n <= stuckCount;
    const k = n - 1;
    const state = stuck ? STUCK_STATES[k % STUCK_STATES.length] : { taskState: null, vmState: 'active' };
    const age = stuck ? STUCK_AGES_SECONDS[Math.floor(k / STUCK_STATES.length) % STUCK_AGES_SECONDS.length] : [600, 10_800][k % 2];
    const inst: PlanInstance = {
      n,
      uuid: rng.uuid(),
      name: `vm-${String(n).padStart(4, '0')}`,
      host: info.hosts[k % info.hosts.length],
      projectId: demo ? DEMO_PROJECT_ID : ADMIN_PROJECT_ID,
      userId: demo ? DEMO_USER_ID : ADMIN_USER_ID,
      role: stuck ? 'stuck' : 'healthy',
      vmState: state.vmState,
      powerState: 1,
      address: `127.0.${1 + Math.floor(k / 250)}.${1 + (k % 250)}`,
      mac: `fa:16:3e:${rng.hex(2)}:${rng.hex(2)}:${rng.hex(2)}`,
      createdAt: new Date(base + n * 60_000),
      volumes: [],
      taskState: state.taskState,
      updatedAt: new Date(now.getTime() - age * 1000),
    };
    ages.set(inst.uuid, age);
    instances.push(inst);
  }

  const volumes: PlanVolume[] = [];
  const holders = instances.filter((i) => i.role === 'stuck');
  for (let i = 0; i < M && holders.length > 0; i++) {
    const owner = holders[i % holders.length];
    const vn = i + 1;
    const v: PlanVolume = {
      n: vn,
      id: modern ? rng.uuid() : String(vn),
      name: `vol-${String(vn).padStart(4, '0')}`,
      size: [1, 2, 5, 10, 20][rng.int(5)],
      role: 'attached',
      status: 'in-use',
      attachStatus: 'attached',
      projectId: owner.projectId,
      userId: owner.userId,
      bootable: false,
      multiattach: false,
      createdAt: new Date(base - 86_400_000 + vn * 1000),
      attachments: [{ instance: owner.uuid, device: `/dev/vd${String.fromCharCode('b'.charCodeAt(0) + owner.volumes.length)}`, host: owner.host, attachmentId: rng.uuid() }],
    };
    owner.volumes.push(v.id);
    volumes.push(v);
  }

  await resetLabData(info, db);
  const cells = await writeCellLayout(db, layout, instances);
  await writeCommon(db, instances, info.hosts, now, layout);
  if (modern) await writeModern(db, { seed, instances, volumes }, now, layout);
  else await writeLegacy(db, { seed, instances, volumes }, now);
  // A running cloud: every attached volume has its session on its instance's host.
  const volName = (id: string) => (modern ? modernVolumeName(id) : legacyVolumeName(Number(id)));
  await writeFile(labPaths(info.dir).iscsiTargets, volumes.map((v) => volumeIqn(volName(v.id)) + '\n').join(''));
  for (const h of info.hosts) {
    await writeSessionTable(info.dir, h, volumes.filter((v) => v.attachments[0].host === h).map((v) => volumeIqn(volName(v.id))));
  }
  for (const inst of instances) {
    const dir = path.join(hostPaths(info.dir, inst.host).instancesDir, inst.uuid);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'console.log'), `[    0.000000] Linux version 6.1.0 (lab guest ${inst.name})\n`);
  }

  const view = instances.map<StuckInstance>((i) => ({
    uuid: i.uuid,
    name: i.name,
    host: i.host,
    cell: cellOf(layout, i.host),
    projectId: i.projectId,
    vmState: i.vmState,
    taskState: i.taskState ?? null,
    powerState: i.powerState,
    status: serverStatus(i.vmState, i.taskState ?? null),
    ageSeconds: ages.get(i.uuid)!,
    updatedAt: i.updatedAt!.toISOString(),
    stuck: i.role === 'stuck',
    volumes: i.volumes,
  }));
  const byTaskState: Record<string, string[]> = {};
  for (const s of STUCK_STATES) byTaskState[s.taskState] = view.filter((i) => i.taskState === s.taskState).map((i) => i.uuid);
  const summary: StuckInstanceSummary = {
    name: 'stuck-instance',
    flavour: info.flavour,
    seed,
    hosts: info.hosts,
    cells,
    writtenAt: now.toISOString(),
    counts: { instances: N, volumes: volumes.length, stuck: stuckCount, healthy: healthyCount },
    instances: view,
    stuck: view.filter((i) => i.stuck).map((i) => i.uuid),
    healthy: view.filter((i) => !i.stuck).map((i) => i.uuid),
    byTaskState,
  };
  await writeFile(labPaths(info.dir).scenarioJson, JSON.stringify(summary, null, 2) + '\n');
  return summary;
}
