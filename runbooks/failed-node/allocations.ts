// Placement after the move. Evacuate leaves each instance holding resources on both hosts until the
// failed host's nova-compute starts again and releases them; if it never comes back, they stay
// forever. A move in the database leaves them on the failed host only (its compute, if it ever
// returns, warns every minute "There are allocations remaining against the source host"). Either
// way the instance's allocations are rewritten in one PUT per consumer, guarded by the consumer
// generation read just before: nothing on the failed host's providers, the resources on the
// target's provider, allocations elsewhere (shared storage, networks) untouched.
import type { PlanItem, Step, StepContext, StepPlan } from '../../src/engine/runbook.js';
import { showList } from '../../src/values/show-value.js';
import { allocationsAfterMove, replaceAllocations, showAllocations, type ConsumerAllocations } from '../../src/operations/openstack/allocations.js';
import { evacuateKey, hostsOf, label, moveKey, movingInstances, withDb, withEvacuate, type FailedInstance, type FailedNodeParams, type Method } from './facts.js';
import { onTargetGuard } from './guards.js';

function resources(r: Record<string, number>): string {
  return Object.entries(r)
    .map(([k, n]) => `${k}=${n}`)
    .join(',');
}

/** The instances the method's main step moved (not held back by its guards). */
function moved(ctx: StepContext<FailedNodeParams>, method: Method): FailedInstance[] {
  return method === 'evacuate' ? movingInstances(ctx, 'evacuate', evacuateKey) : movingInstances(ctx, 'move-db', moveKey);
}

async function planAllocations(ctx: StepContext<FailedNodeParams>, method: Method): Promise<StepPlan> {
  const { failed, target } = hostsOf(ctx);
  const tree = new Set(failed.providerTree);
  const instances = moved(ctx, method);
  const current = await ctx.mapLimit(instances, async (i) => ({ i, a: (await ctx.read(showAllocations(i.uuid))).value }));
  const items: PlanItem<FailedInstance>[] = [];
  let clean = 0;
  for (const { i, a } of current) {
    const onFailed = Object.keys(a.allocations).filter((rp) => tree.has(rp));
    if (onFailed.length === 0) {
      clean++;
      continue;
    }
    const nested = onFailed.filter((rp) => rp !== failed.provider);
    if (nested.length > 0 && !a.allocations[target.provider]) {
      ctx.warn(`${label(i)} holds resources on nested providers of ${failed.host} (${nested.join(', ')}): novaops cannot say where they belong on ${target.host}; move them by hand (openstack resource provider allocation set)`);
      continue;
    }
    if (!a.projectId || !a.userId) {
      ctx.warn(`${label(i)}: Placement records no project or user for its allocations; rewrite them by hand (nova-manage placement heal_allocations --instance ${i.uuid})`);
      continue;
    }
    const after = allocationsAfterMove(a, tree, failed.provider, target.provider);
    const kept = after[target.provider]?.resources ?? {};
    const summary =
      a.allocations[target.provider] !== undefined
        ? `release ${label(i)}'s allocation on ${failed.host} (${resources(a.allocations[failed.provider]?.resources ?? {})}); keep ${target.host}'s (${resources(kept)})`
        : `move ${label(i)}'s allocation from ${failed.host} to ${target.host} (${resources(kept)})`;
    items.push({
      key: `allocations:${i.uuid}`,
      summary,
      target: { instance: i.uuid, host: target.host },
      ops: [replaceAllocations(i.uuid, { allocations: after, project_id: a.projectId, user_id: a.userId, consumer_generation: a.consumerGeneration }, summary, { instance: i.uuid, host: target.host })],
      data: i,
    });
  }
  const notes = [`${items.length} instance(s) still hold resources on ${failed.host}'s provider${clean ? `; ${clean} hold none there` : ''}`];
  if (ctx.mode === 'dry-run' && method === 'evacuate') {
    notes.push('dry-run: no evacuation happened, so this is what the allocations look like now; a live run reads them again after the evacuations (then they are on both hosts, and only the failed host\'s part is released)');
  }
  return { items, notes };
}

async function verifyAllocations(ctx: StepContext<FailedNodeParams>, method: Method) {
  const { failed, target } = hostsOf(ctx);
  const tree = new Set(failed.providerTree);
  const held = new Set(ctx.heldBack(method === 'evacuate' ? 'release-source-allocations' : 'move-allocations').map((h) => h.key));
  const instances = moved(ctx, method).filter((i) => !held.has(`allocations:${i.uuid}`));
  const read = await ctx.mapLimit(instances, async (i) => ({ i, a: (await ctx.read(showAllocations(i.uuid))).value }));
  const wrong = read.filter(({ a }) => onlyOn(a, tree, target.provider) !== true);
  return wrong.length === 0
    ? { ok: true, detail: `${instances.length} instance(s) read back with allocations on ${target.host}'s provider and none on ${failed.host}'s` }
    : { ok: false, detail: `allocations not as they should be: ${showList(wrong.map(({ i, a }) => `${label(i)}: ${onlyOn(a, tree, target.provider)}`), 10)}` };
}

/** true, or what is wrong: allocations left on the failed host's providers, or none on the target. */
export function onlyOn(a: ConsumerAllocations, failedTree: ReadonlySet<string>, targetProvider: string): true | string {
  const left = Object.keys(a.allocations).filter((rp) => failedTree.has(rp));
  if (left.length > 0) return `still holds resources on the failed host's provider ${left.join(', ')}`;
  if (!a.allocations[targetProvider]) return `holds nothing on the target's provider ${targetProvider}`;
  return true;
}

export const releaseAllocationsStep: Step<FailedNodeParams> = {
  id: 'release-source-allocations',
  title: "Remove the allocations the evacuated instances still hold on the failed host's resource provider",
  changes: "rewrites each evacuated instance's Placement allocations without the failed host's providers (PUT /allocations/{uuid})",
  appliesWhen: withEvacuate,
  guards: [onTargetGuard],
  plan: (ctx) => planAllocations(ctx, 'evacuate'),
  verify: (ctx) => verifyAllocations(ctx, 'evacuate'),
};

export const moveAllocationsStep: Step<FailedNodeParams> = {
  id: 'move-allocations',
  title: "Move each instance's Placement allocation to the target host's resource provider",
  changes: "rewrites each moved instance's Placement allocations from the failed host's provider to the target's (PUT /allocations/{uuid})",
  appliesWhen: withDb,
  guards: [onTargetGuard],
  plan: (ctx) => planAllocations(ctx, 'db'),
  verify: (ctx) => verifyAllocations(ctx, 'db'),
};
