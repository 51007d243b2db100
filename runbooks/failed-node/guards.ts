// The guards of failed-node's mutating steps. The fencing guard is the one that matters: moving
// an instance that still runs on a half-dead host gives two guests writing one disk. It is checked
// right before every step that changes something, so a host that comes back mid-run stops the run.
import type { Guard, GuardResult, HeldBack, PlanItem } from '../../src/engine/runbook.js';
import { showList } from '../../src/values/show-value.js';
import { listComputeServices } from '../../src/operations/openstack/os-services.js';
import { askHost } from '../lib/host-answers.js';
import { readServers } from './read-servers.js';
import { readInstanceRows } from './db-reads.js';
import { targetInstancesPath } from './instances-path.js';
import { hostsOf, label, losesRootDisk, type FailedInstance, type FailedNodeParams } from './facts.js';

const nothingToGuard: GuardResult = { ok: true, detail: 'no item in this step' };

export const fencingGuard: Guard<FailedNodeParams> = {
  name: 'failed host fenced',
  describe:
    "the failed host's nova-compute reports down, and the host does not answer (`iscsiadm -m session` through its entry in hosts:; " +
    'or the operator typed its name with --fenced after fencing it by other means). Never passes while its nova-compute reports up',
  async check(ctx, plan) {
    if (plan.items.length === 0) return nothingToGuard;
    const { failed } = hostsOf(ctx);
    const services = (await ctx.read(listComputeServices({ fencing: true }))).value;
    const service = services.find((s) => s.host === failed.host);
    if (!service) return { ok: false, detail: `Nova no longer lists a nova-compute service on ${failed.host}: look at \`openstack compute service list\` before going on` };
    if (service.state === 'up') {
      return {
        ok: false,
        detail:
          `${failed.host}'s nova-compute reports UP (service updated ${service.updatedAt ?? 'never'}): the host may still run its instances, and moving them now would start ` +
          `second copies writing the same disks. Power ${failed.host} off or fence it, wait until \`openstack compute service list --service nova-compute\` shows it down ` +
          `(service_down_time, 60 s by default), then run again`,
      };
    }
    const nova = `${failed.host}'s nova-compute is down${service.forcedDown ? ' (forced down)' : ''} (service updated ${service.updatedAt ?? 'never'})`;
    const answer = await askHost(ctx, failed.host);
    if (answer.answers === false) return { ok: true, detail: `${nova}; ${answer.evidence}` };
    if (ctx.params.fenced === failed.host) {
      return { ok: true, detail: `${nova}; NOT shown to be off (${answer.evidence}): going on because the operator declared it fenced (--fenced ${failed.host})` };
    }
    return {
      ok: false,
      detail:
        answer.answers === true
          ? `${nova}, but ${answer.evidence}: it is alive, and may still run its instances. Fence it (power it off), then run again; if its instances are ` +
            `certainly stopped and their disks cut off, say so with --fenced ${failed.host}`
          : `${nova}, but ${answer.evidence}. Add it to hosts: so that novaops can check, or, if you fenced it by other means (power off through its BMC), ` +
            `say so with --fenced ${failed.host}`,
    };
  },
};

export const targetGuard: Guard<FailedNodeParams> = {
  name: 'target host usable',
  describe: "the target host's nova-compute is up, enabled and not forced down",
  async check(ctx, plan) {
    if (plan.items.length === 0) return nothingToGuard;
    const { target } = hostsOf(ctx);
    const service = (await ctx.read(listComputeServices({ fencing: true }))).value.find((s) => s.host === target.host);
    if (!service) return { ok: false, detail: `Nova no longer lists a nova-compute service on ${target.host}` };
    if (service.state !== 'up' || service.status !== 'enabled') {
      return {
        ok: false,
        detail: `${target.host}'s nova-compute is ${service.state}, ${service.status}${service.forcedDown ? ', forced down' : ''}: the instances could not start there. Pick another target, or bring it back first`,
      };
    }
    return { ok: true, detail: `${target.host}'s nova-compute is up and enabled` };
  },
};

function instanceOf(item: PlanItem): FailedInstance {
  return item.data as FailedInstance;
}

/**
 * An image-backed instance whose disk the target cannot see is rebuilt from its image on the
 * target (evacuate does it; a hard reboot after a database move creates a fresh disk too): its
 * root disk is lost. Held back and named, unless the operator says --allow-rebuild.
 */
export const rebuildGuard: Guard<FailedNodeParams> = {
  name: 'no root disk lost unasked',
  describe:
    'image-backed instances whose disk the target does not see under <instances_path>/<uuid>/ (no shared storage) are held back unless --allow-rebuild: ' +
    'moved, they are rebuilt from their image and lose their root disk. For evacuate, one whose directory the target sees without its disk is always held back',
  async check(ctx, plan) {
    const hosts = hostsOf(ctx);
    const holdBack: HeldBack[] = [];
    const rebuilt: FailedInstance[] = [];
    for (const item of plan.items) {
      const i = instanceOf(item);
      const reason = rebuildHoldReason(i, ctx.params, hosts, targetInstancesPath(ctx));
      if (reason !== undefined) holdBack.push({ key: item.key, reason });
      else if (losesRootDisk(i)) rebuilt.push(i);
    }
    const { target } = hosts;
    if (rebuilt.length > 0) {
      ctx.warn(`--allow-rebuild: ${rebuilt.length} image-backed instance(s) will be REBUILT from their image on ${target.host}; their root disk is LOST: ${showList(rebuilt.map(label), 10)}`);
    }
    const detail = [
      `${plan.items.length - holdBack.length - rebuilt.length} instance(s) keep their disks`,
      ...(rebuilt.length ? [`${rebuilt.length} rebuilt from their image (root disk lost), allowed by --allow-rebuild`] : []),
      ...(holdBack.length ? [`${holdBack.length} image-backed instance(s) held back, named below`] : []),
    ].join('; ');
    return { ok: true, detail, holdBack };
  },
};

/** vm_states Nova accepts, by method: evacuate (compute/api.py evacuate), or a hard reboot after a database move. */
const ACCEPTED_VM_STATES = {
  evacuate: ['active', 'stopped', 'error'],
  db: ['active', 'stopped', 'paused', 'suspended', 'error'],
};

/**
 * Nova refuses to move or reboot an instance with a task in progress (a task_state the crash left
 * behind), and evacuates only active, stopped or errored instances. Judged on the state the
 * preflight recorded: an instance an earlier attempt of this run already moved is not held back.
 */
export const instanceStateGuard: Guard<FailedNodeParams> = {
  name: 'instance state accepted',
  describe: 'instances with a task_state, or in a vm_state Nova does not move (paused, suspended, shelved for evacuate), are held back and named; reset-state first',
  async check(ctx, plan) {
    const holdBack: HeldBack[] = [];
    for (const item of plan.items) {
      const reason = stateHoldReason(instanceOf(item), ctx.params.method);
      if (reason !== undefined) holdBack.push({ key: item.key, reason });
    }
    return { ok: true, detail: `${plan.items.length - holdBack.length} of ${plan.items.length} instance(s) in a state Nova moves${holdBack.length ? `; ${holdBack.length} held back` : ''}`, holdBack };
  },
};

/**
 * Why the rebuild guard holds an instance back, or nothing: image-backed with its disk where the
 * target cannot see it, and no --allow-rebuild (or, for evacuate, its directory on the target
 * without its disk). The preflight's count of what will move asks the same question.
 */
export function rebuildHoldReason(
  i: FailedInstance,
  params: FailedNodeParams,
  { failed, target }: { failed: { host: string }; target: { host: string } },
  instancesPath: string,
): string | undefined {
  if (!losesRootDisk(i)) return undefined;
  if (params.method === 'evacuate' && i.dirOnTarget) {
    // Nova's own test for shared storage is the directory: it would not rebuild, and start the instance without a disk.
    return (
      `${label(i)} is image-backed and ${target.host} has its directory ${instancesPath}/${i.uuid}/ without its disk: Nova takes that for shared storage ` +
      `and would start it with no root disk instead of rebuilding it. Move that directory aside on ${target.host}, then run again (--allow-rebuild to rebuild it from its image)`
    );
  }
  if (params.allowRebuild) return undefined;
  const where = i.sharedStorage === null ? 'whether its disk is on shared storage could not be checked' : `its disk is on ${failed.host} only (no shared storage)`;
  return `${label(i)} is image-backed and ${where}: moved, it is rebuilt from image ${i.imageId ?? '?'} and its root disk is lost. Rerun with --allow-rebuild to accept that, or bring ${failed.host} back`;
}

/** Why the instance-state guard holds an instance back, or nothing: a task in progress, or a vm_state Nova does not move. */
export function stateHoldReason(i: FailedInstance, method: FailedNodeParams['method']): string | undefined {
  if (i.taskState) return `${label(i)} has task_state ${i.taskState}: Nova refuses to move it. Reset it first (novaops run reset-state ${i.uuid}), then run again`;
  if (!ACCEPTED_VM_STATES[method].includes(i.vmState ?? '')) {
    return `${label(i)} is ${i.vmState ?? 'in no vm_state'}: ${method === 'evacuate' ? 'Nova evacuates only active, stopped or error instances' : 'Nova cannot reboot it'}; look at it by hand`;
  }
  return undefined;
}

/**
 * The steps after the move handle only instances that are on the target already: evacuated (there
 * with no task left, read from the Compute API), or moved in the database (host = target, read from the cell DB).
 */
export const onTargetGuard: Guard<FailedNodeParams> = {
  name: 'instance on the target',
  describe: 'only instances already on the target host are handled: evacuated there (no task left), or host = target in the cell database after the move',
  async check(ctx, plan) {
    if (plan.items.length === 0) return { ok: true, detail: 'no item in this step' };
    const { failed, target } = hostsOf(ctx);
    if (ctx.mode === 'dry-run') return { ok: true, detail: `dry-run: the move above was not made; a live run checks each instance is on ${target.host} first` };
    const uuids = plan.items.map((i) => instanceOf(i).uuid);
    const where = new Map<string, string>();
    if (ctx.params.method === 'evacuate') {
      const servers = await readServers(ctx, uuids, [failed.host, target.host]);
      for (const u of uuids) {
        const s = servers.get(u);
        if (!s || s.host !== target.host || s.taskState !== null) where.set(u, s ? `${s.status}${s.taskState ? ` (${s.taskState})` : ''} on ${s.host ?? 'no host'}` : 'not found');
      }
    } else {
      const rows = await readInstanceRows(ctx, uuids);
      for (const u of uuids) if (rows.get(u)?.host !== target.host) where.set(u, `host ${rows.get(u)?.host ?? 'unknown'} in the cell database`);
    }
    const holdBack: HeldBack[] = plan.items
      .filter((item) => where.has(instanceOf(item).uuid))
      .map((item) => {
        const i = instanceOf(item);
        return { key: item.key, reason: `${label(i)} is not on ${target.host} (${where.get(i.uuid)}): this step leaves it alone` };
      });
    return { ok: true, detail: `${plan.items.length - holdBack.length} of ${plan.items.length} instance(s) are on ${target.host}`, holdBack };
  },
};
