import { readVolumes } from '../lib/bulk-read.js';
// The end state, read back whichever path moved the instances: each ACTIVE on the target (SHUTOFF
// if it was stopped) with host
// and node the target's (Compute API and cell database), Placement allocations on the target's
// provider and none on the failed host's, its volumes attached to it as before; nothing of them
// left on the failed host. What the run left on the failed host on purpose is named.
import type { GuardResult, Step, StepContext } from '../../src/engine/runbook.js';
import { showList } from '../../src/values/show-value.js';
import { showAllocations } from '../../src/operations/openstack/allocations.js';
import { evacuateKey, excludedFact, expectedStatus, hostsOf, instancesOf, label, moveKey, movingInstances, type FailedInstance, type FailedNodeParams } from './facts.js';
import { readServers } from './read-servers.js';
import { readInstanceRows } from './db-reads.js';
import { onlyOn } from './allocations.js';

/** The instances this run moved: not held back by the main step of its method. */
export function movedInstances(ctx: StepContext<FailedNodeParams>): FailedInstance[] {
  return ctx.params.method === 'evacuate' ? movingInstances(ctx, 'evacuate', evacuateKey) : movingInstances(ctx, 'move-db', moveKey);
}

/** Instances of the preflight's list that this run did not move, with why. */
export function leftBehind(ctx: StepContext<FailedNodeParams>): { uuid: string; name: string; reason: string }[] {
  const step = ctx.params.method === 'evacuate' ? 'evacuate' : 'move-db';
  const key = ctx.params.method === 'evacuate' ? evacuateKey : moveKey;
  const held = new Map(ctx.heldBack(step).map((h) => [h.key, h.reason]));
  const out = instancesOf(ctx)
    .filter((i) => held.has(key(i.uuid)))
    .map((i) => ({ uuid: i.uuid, name: i.name, reason: held.get(key(i.uuid))! }));
  return [...out, ...(excludedFact.get(ctx) ?? [])];
}


export async function checkEndState(ctx: StepContext<FailedNodeParams>): Promise<GuardResult> {
  const { failed, target } = hostsOf(ctx);
  const moved = movedInstances(ctx);
  const uuids = moved.map((i) => i.uuid);
  const [servers, rows, allocations, volumes] = await Promise.all([
    readServers(ctx, uuids, [failed.host, target.host]),
    readInstanceRows(ctx, uuids),
    ctx.mapLimit(uuids, async (u) => [u, (await ctx.read(showAllocations(u))).value] as const).then((l) => new Map(l)),
    readVolumes(ctx, [...new Set(moved.flatMap((i) => i.volumes.map((v) => v.id)))]),
  ]);
  const tree = new Set(failed.providerTree);
  const problems: string[] = [];
  const warnings: string[] = [];
  let volumeCount = 0;
  for (const i of moved) {
    const s = servers.get(i.uuid);
    const row = rows.get(i.uuid);
    const wrong: string[] = [];
    if (!s) wrong.push('not found by the Compute API');
    else {
      if (s.status !== expectedStatus(i)) wrong.push(`status ${s.status}, expected ${expectedStatus(i)}`);
      if (s.host !== target.host) wrong.push(`API host ${s.host ?? 'none'}`);
      if (s.node !== null && s.node !== target.node) wrong.push(`API node ${s.node}`);
    }
    if (!row) wrong.push('not in the cell database');
    else if (row.host !== target.host || row.node !== target.node) wrong.push(`database host ${row.host ?? 'none'} node ${row.node ?? 'none'}`);
    const a = allocations.get(i.uuid);
    const placement = a ? onlyOn(a, tree, target.provider) : 'no allocations read';
    if (placement !== true) wrong.push(placement);
    for (const v of i.volumes) {
      volumeCount++;
      const volume = volumes.get(v.id);
      const attachment = volume?.attachments.find((x) => x.serverId === i.uuid);
      if (!volume) wrong.push(`volume ${v.id} not found`);
      else if (!attachment || volume.status !== 'in-use') wrong.push(`volume ${v.id} ${volume.status}${attachment ? '' : ', not attached to it'}`);
      else {
        if (v.device && attachment.device && attachment.device !== v.device) warnings.push(`${label(i)}: volume ${v.id} is at ${attachment.device}, was ${v.device}`);
        if (attachment.hostName === failed.host) warnings.push(`${label(i)}: Cinder's attachment of volume ${v.id} still names ${failed.host}`);
      }
    }
    if (wrong.length > 0) problems.push(`${label(i)}: ${wrong.join(', ')}`);
  }
  // Nothing of what was moved is left on the failed host, in the API or in the database.
  const stillOnFailed = moved.filter((i) => servers.get(i.uuid)?.host === failed.host || rows.get(i.uuid)?.host === failed.host);
  for (const w of warnings.slice(0, 20)) ctx.warn(w);
  if (warnings.length > 20) ctx.warn(`... and ${warnings.length - 20} more such warnings`);
  const left = leftBehind(ctx);
  if (left.length > 0) ctx.note(`left on ${failed.host} on purpose: ${showList(left.map((l) => (l.reason.startsWith(label(l)) ? l.reason : `${label(l)}: ${l.reason}`)), 10)}`);
  if (problems.length > 0 || stillOnFailed.length > 0) {
    return { ok: false, detail: `not in the end state: ${showList(problems, 10)}` };
  }
  return {
    ok: true,
    detail:
      `${moved.length} instance(s) on ${target.host} (ACTIVE, or SHUTOFF as they were stopped), host and node ${target.host}/${target.node} in the API and the database, Placement allocations on ${target.host}'s provider only, ` +
      `${volumeCount} volume(s) attached as before; none of them left on ${failed.host}`,
  };
}

export const endStateStep: Step<FailedNodeParams> = {
  id: 'verify-end-state',
  title: 'Read back the end state: every moved instance on the target (ACTIVE, or SHUTOFF as it was), host and node, Placement, volumes',
  changes: 'nothing (read-only)',
  readOnly: true,
  async plan(ctx) {
    const n = movedInstances(ctx).length;
    return { items: [], notes: ctx.mode === 'dry-run' ? [`a live run reads back the end state of the ${n} instance(s) it moves`] : [] };
  },
  verify: (ctx) => checkEndState(ctx),
};
