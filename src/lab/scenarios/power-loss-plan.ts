// The power-loss cloud as plain data, generated from a seed: which instances exist, where, in
// what state, and which volumes are attached where. Writers turn it into rows per flavour;
// scenario.json is derived from it, so tests compare the cloud against the plan.
import { seededRng, type Rng } from '../random.js';
import { ADMIN_PROJECT_ID, ADMIN_USER_ID, DEMO_PROJECT_ID, DEMO_USER_ID, type LabFlavour } from '../types.js';

export type InstanceRole =
  | 'affected'
  | 'no-volume'
  | 'boot-from-volume'
  | 'error'
  | 'active'
  // failed-node kinds
  | 'image'
  | 'image-with-volumes'
  | 'service-vm'
  | 'healthy'
  // stuck-instance
  | 'stuck';
export type VolumeRole = 'attached' | 'boot' | 'multiattach' | 'error-deleting' | 'detached';

export interface PlanAttachment {
  instance: string;
  device: string;
  host: string;
  attachmentId: string;
}

export interface PlanInstance {
  n: number;
  uuid: string;
  name: string;
  host: string;
  projectId: string;
  userId: string;
  role: InstanceRole;
  vmState: string;
  powerState: number;
  address: string;
  mac: string;
  createdAt: Date;
  volumes: string[];
  /** Root disk on a volume (no image): set by role 'boot-from-volume' or explicitly. */
  bootFromVolume?: boolean;
  taskState?: string | null;
  /** updated_at; defaults to the time the scenario is written. */
  updatedAt?: Date;
  metadata?: Record<string, string>;
}

export function isBootFromVolume(i: PlanInstance): boolean {
  return i.bootFromVolume ?? i.role === 'boot-from-volume';
}

export interface PlanVolume {
  n: number;
  /** uuid (modern) or the integer id as a string (nova-volume). */
  id: string;
  name: string;
  size: number;
  role: VolumeRole;
  status: string;
  attachStatus: string;
  projectId: string;
  userId: string;
  bootable: boolean;
  multiattach: boolean;
  createdAt: Date;
  attachments: PlanAttachment[];
}

export interface PowerLossOptions {
  instances?: number;
  volumes?: number;
  liveSession?: boolean;
  seed?: number;
}

export interface PowerLossPlan {
  seed: number;
  instances: PlanInstance[];
  volumes: PlanVolume[];
  liveSession?: { volume: string; instance: string; host: string; device: string };
}

const MAX_DEVICES = 24;

/** A volume as every scenario plans it (number, id, size, owner); the caller adds its attachments. */
export function planVolume(rng: Rng, modern: boolean, n: number, role: VolumeRole, owner: Pick<PlanInstance, 'projectId' | 'userId'> | undefined, base: number): PlanVolume {
  return {
    n,
    id: modern ? rng.uuid() : String(n),
    name: `vol-${String(n).padStart(4, '0')}`,
    size: [1, 2, 5, 10, 20][rng.int(5)],
    role,
    status: 'in-use',
    attachStatus: 'attached',
    projectId: owner?.projectId ?? ADMIN_PROJECT_ID,
    userId: owner?.userId ?? ADMIN_USER_ID,
    bootable: role === 'boot',
    multiattach: role === 'multiattach',
    createdAt: new Date(base - 86_400_000 + n * 1000),
    attachments: [],
  };
}

export function planPowerLoss(flavour: LabFlavour, hosts: string[], o: PowerLossOptions): PowerLossPlan {
  const seed = o.seed ?? 1;
  const rng = seededRng(seed);
  const N = o.instances ?? 20;
  const M = o.volumes ?? 30;
  const modern = flavour === 'modern';
  const base = Date.UTC(2025, 0, 6, 8, 0, 0);

  const errorCount = N >= 5 ? 1 : 0;
  const activeCount = N >= 10 ? Math.max(2, Math.floor(N / 50)) : 0;
  const bfvCount = modern && N >= 5 && M >= 5 ? Math.max(2, Math.floor(N / 100)) : 0;

  const instances: PlanInstance[] = [];
  for (let n = 1; n <= N; n++) {
    const demo = n % 4 === 0;
    const x = 1 + Math.floor((n - 1) / 250);
    const y = 1 + ((n - 1) % 250);
    instances.push({
      n,
      uuid: rng.uuid(),
      name: `vm-${String(n).padStart(4, '0')}`,
      host: hosts[(n - 1) % hosts.length],
      projectId: demo ? DEMO_PROJECT_ID : ADMIN_PROJECT_ID,
      userId: demo ? DEMO_USER_ID : ADMIN_USER_ID,
      role: 'affected',
      vmState: 'stopped',
      powerState: 4,
      address: `127.0.${x}.${y}`,
      mac: `fa:16:3e:${rng.hex(2)}:${rng.hex(2)}:${rng.hex(2)}`,
      createdAt: new Date(base + n * 60_000),
      volumes: [],
    });
  }
  // Special instances are picked by position from a shuffled order so they land on all hosts.
  const order = shuffle(rng, instances.slice());
  let k = 0;
  for (let i = 0; i < errorCount; i++) Object.assign(order[k++], { role: 'error', vmState: 'error', powerState: 0 });
  for (let i = 0; i < activeCount; i++) Object.assign(order[k++], { role: 'active', vmState: 'active', powerState: 1 });
  const bfv = order.slice(k, k + bfvCount);
  k += bfvCount;
  bfv.forEach((i) => (i.role = 'boot-from-volume'));
  const pool = order.slice(k);
  const noVolume = pool.length >= 5 ? Math.max(1, Math.floor(pool.length * 0.15)) : 0;
  pool.slice(0, noVolume).forEach((i) => (i.role = 'no-volume'));
  const withVolume = pool.slice(noVolume).sort((a, b) => a.n - b.n);

  let boot = bfvCount;
  let errorDeleting = M >= 10 ? Math.max(2, Math.floor(M / 30)) : 0;
  let detached = M >= 10 ? Math.max(2, Math.floor(M / 20)) : 0;
  const multi = modern && M >= 10 && withVolume.length >= 2 ? 1 : 0;
  boot = Math.min(boot, M);
  let attached = M - boot - errorDeleting - detached - multi;
  while (attached < 0 && (detached > 0 || errorDeleting > 0)) {
    if (detached > 0) detached--;
    else errorDeleting--;
    attached++;
  }
  attached = Math.max(0, attached);

  const volumes: PlanVolume[] = [];
  let vn = 0;
  const newVolume = (role: VolumeRole, owner?: PlanInstance): PlanVolume => {
    const v = planVolume(rng, modern, ++vn, role, owner, base);
    volumes.push(v);
    return v;
  };
  const attach = (v: PlanVolume, inst: PlanInstance, device?: string) => {
    const dev = device ?? `/dev/vd${String.fromCharCode('b'.charCodeAt(0) + inst.volumes.length)}`;
    inst.volumes.push(v.id);
    v.attachments.push({ instance: inst.uuid, device: dev, host: inst.host, attachmentId: rng.uuid() });
  };

  for (const inst of bfv) {
    const v = newVolume('boot', inst);
    attach(v, inst, '/dev/vda');
    inst.volumes.length = 0; // the root disk does not take a data device letter
    inst.volumes.push(v.id);
  }
  const dataCount = (i: PlanInstance) => i.volumes.length;
  for (let i = 0; i < attached; i++) {
    let inst: PlanInstance | undefined;
    if (i < withVolume.length) inst = withVolume[i];
    else {
      for (let tries = 0; tries < 50 && !inst; tries++) {
        const c = withVolume[rng.int(withVolume.length)];
        if (dataCount(c) < MAX_DEVICES) inst = c;
      }
    }
    if (!inst) break;
    attach(newVolume('attached', inst), inst);
  }
  if (multi) {
    const holders = withVolume.filter((i) => dataCount(i) > 0 && dataCount(i) < MAX_DEVICES);
    const first = holders[0];
    const second = holders.find((h) => h.host !== first.host) ?? holders[1];
    if (first && second) {
      const v = newVolume('multiattach', first);
      attach(v, first);
      attach(v, second);
    }
  }
  for (let i = 0; i < errorDeleting; i++) Object.assign(newVolume('error-deleting'), { status: 'error_deleting', attachStatus: 'detached' });
  for (let i = 0; i < detached; i++) Object.assign(newVolume('detached'), { status: 'available', attachStatus: 'detached' });
  for (const inst of withVolume) if (inst.volumes.length === 0) inst.role = 'no-volume';

  let liveSession: PowerLossPlan['liveSession'];
  if (o.liveSession) {
    const candidates = volumes.filter((v) => v.role === 'attached');
    if (candidates.length === 0) throw new Error('liveSession needs at least one attached data volume');
    const v = candidates[rng.int(candidates.length)];
    const a = v.attachments[0];
    liveSession = { volume: v.id, instance: a.instance, host: a.host, device: a.device };
  }
  return { seed, instances, volumes, liveSession };
}

function shuffle<T>(rng: Rng, a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
