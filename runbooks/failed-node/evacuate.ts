// Step 2 (evacuate). "If a hardware malfunction or other error causes the cloud compute node to
// fail, you can use the nova evacuate command to evacuate instances." Each instance once
// (invariant 6): an evacuate whose acknowledgement was lost is resolved on resume from the
// evacuation Nova recorded (os-migrations) and the instance action, never sent a second time
// while it is under way or done. Completion is read back by bulk polling with back-off.
import type { ItemOutcome, PlanItem, Step, StepContext } from '../../src/engine/runbook.js';
import { showList } from '../../src/values/show-value.js';
import { listInstanceActions } from '../../src/operations/openstack/instance-actions.js';
import { EVACUATION_FAILED, listEvacuations, type Migration } from '../../src/operations/openstack/migrations.js';
import { evacuateServer, showServer } from '../../src/operations/openstack/servers.js';
import { outcomesByKey, pollUntilSettled } from '../lib/poll.js';
import {
  evacuateKey,
  evacuateMicroversionOf,
  hostsOf,
  instancesOf,
  label,
  movingInstances,
  statusAfterEvacuation,
  withEvacuate,
  type FailedInstance,
  type FailedNodeParams,
} from './facts.js';
import { fencingGuard, instanceStateGuard, rebuildGuard, targetGuard } from './guards.js';
import { readServers, type HostServer } from './read-servers.js';

/** task_states of a rebuild on the destination (an evacuation is a rebuild there). */
const REBUILDING = new Set(['rebuilding', 'rebuild_block_device_mapping', 'rebuild_spawning']);
/** Clock skew allowed between this machine and the API when matching records to an attempt. */
const SKEW_MS = 5 * 60_000;

export const evacuateStep: Step<FailedNodeParams> = {
  id: 'evacuate',
  title: 'Evacuate the instances to the target host (once each)',
  changes: "evacuates each instance through the Compute API: Nova rebuilds it on the target host and re-attaches its volumes",
  warnings: [
    'Each instance is evacuated exactly once. One that does not come back ACTIVE is reported, not evacuated again: look at its fault (openstack server show) and resume.',
  ],
  appliesWhen: withEvacuate,
  guards: [fencingGuard, targetGuard, instanceStateGuard, rebuildGuard],
  async plan(ctx) {
    const { failed, target } = hostsOf(ctx);
    const microversion = evacuateMicroversionOf(ctx);
    return {
      items: instancesOf(ctx).map(
        (i): PlanItem<FailedInstance> => ({
          key: evacuateKey(i.uuid),
          summary: `evacuate ${label(i)} (${i.bootFromVolume ? 'boot from volume' : i.sharedStorage ? 'image-backed, shared storage' : 'image-backed, REBUILT from its image'}) to ${target.host}`,
          target: { instance: i.uuid, host: failed.host },
          ops: [evacuateServer({ id: i.uuid, name: i.name, host: failed.host }, target.host, microversion)],
          data: i,
        }),
      ),
    };
  },
  settle: (ctx, items) => settleEvacuations(ctx, items),
  resolve: (ctx, item, startedAt) => evacuationHappened(ctx, item.target.instance!, startedAt),
  async verify(ctx) {
    const { target } = hostsOf(ctx);
    const moved = movingInstances(ctx, 'evacuate', evacuateKey);
    const microversion = evacuateMicroversionOf(ctx);
    const servers = await readServers(ctx, moved.map((i) => i.uuid), [hostsOf(ctx).failed.host, target.host]);
    const wrong = moved.filter((i) => {
      const s = servers.get(i.uuid);
      return !s || s.host !== target.host || s.status !== statusAfterEvacuation(i, microversion);
    });
    const expectation = statusAfterEvacuation({ vmState: 'active' }, microversion) === 'SHUTOFF' ? `SHUTOFF (evacuated at ${microversion}: Nova leaves them stopped)` : 'ACTIVE (SHUTOFF if they were stopped)';
    if (wrong.length === 0) return { ok: true, detail: `${moved.length} instance(s) read back on ${target.host}, ${expectation}` };
    return {
      ok: false,
      detail: `not as evacuated on ${target.host}: ${showList(wrong.map((i) => { const s = servers.get(i.uuid); return `${label(i)} ${s ? `${s.status} on ${s.host ?? 'no host'}` : 'not found'}`; }), 10)}`,
    };
  },
};

async function settleEvacuations(ctx: StepContext<FailedNodeParams>, items: PlanItem[]): Promise<Map<string, ItemOutcome>> {
  const { failed, target } = hostsOf(ctx);
  const byUuid = new Map(items.map((i) => [i.target.instance!, i.key]));
  const microversion = evacuateMicroversionOf(ctx);
  const expected = new Map(items.map((i) => [i.target.instance!, statusAfterEvacuation(i.data as FailedInstance, microversion)]));
  const idle = new IdleOnSource();
  const polled = await pollUntilSettled(
    [...byUuid.keys()],
    async (uuids) => {
      const servers = await readServers(ctx, uuids, [failed.host, target.host]);
      const now = new Map<string, ItemOutcome>();
      for (const uuid of uuids) {
        const s = servers.get(uuid);
        if (!s) continue;
        const end = await evacuationOutcome(ctx, s, failed.host, target.host, expected.get(uuid)!, idle);
        if (end) now.set(uuid, end.outcome);
      }
      return now;
    },
    ctx.poll,
  );
  return outcomesByKey(
    polled,
    (uuid) => byUuid.get(uuid)!,
    (outcome) => outcome,
    () => ({ ok: false, detail: `evacuation accepted but not finished after ${Math.round(ctx.poll.timeoutMs / 1000)} s; a resume waits for it, it never sends it again` }),
  );
}

/**
 * How an acknowledged evacuation ended, or undefined while it is under way. `refused`: Nova recorded
 * the evacuation as failed and the instance is still on the failed host, untouched (no valid host, a
 * conductor error) — the one ending after which an evacuate may be sent again.
 */
async function evacuationOutcome(
  ctx: StepContext,
  s: HostServer,
  failedHost: string,
  targetHost: string,
  expected: string,
  idle: IdleOnSource,
  since = 0,
): Promise<{ outcome: ItemOutcome; refused?: boolean } | undefined> {
  if (REBUILDING.has(s.taskState ?? '')) return undefined;
  if (s.status === 'ERROR') {
    return { outcome: { ok: false, detail: `evacuation failed: ERROR on ${s.host ?? 'no host'}${s.fault ? ` — ${s.fault}` : ''} (openstack server show ${s.id}); not evacuated again` } };
  }
  if (s.host === targetHost && s.taskState === null) {
    return {
      outcome:
        s.status === expected
          ? { ok: true, detail: `${s.status} on ${targetHost} (node ${s.node ?? '?'})` }
          : { ok: true, detail: `${s.status} on ${targetHost}`, warning: `came back ${s.status}, not ${expected}: look at its console and nova-compute log on ${targetHost}` },
    };
  }
  if (s.host === failedHost && s.taskState === null && idle.seenTwice(s.id)) {
    // Nova gave up after accepting the request (no valid host, a conductor error): the evacuation
    // record says so, and the instance is where it was. (Between the rebuild and the moment Nova
    // records the new host, the instance is briefly active on the old one: seen so on two polls in
    // a row, the record is asked which it is.)
    const latest = await latestEvacuation(ctx, s.id, since);
    if (latest && EVACUATION_FAILED.has(latest.status)) {
      return { outcome: { ok: false, detail: `evacuation ${latest.uuid ?? latest.id} ended ${latest.status}; the instance is still on ${failedHost}${s.fault ? ` — ${s.fault}` : ''}` }, refused: true };
    }
  }
  return undefined;
}

async function latestEvacuation(ctx: StepContext, uuid: string, since = 0): Promise<Migration | undefined> {
  const result = await ctx.tryRead(listEvacuations(uuid));
  if (!result.ok || !result.value) return undefined;
  const created = (m: Migration) => (m.createdAt ? Date.parse(normalise(m.createdAt)) : Number.MAX_SAFE_INTEGER);
  return result.value.filter((m) => created(m) >= since).sort((a, b) => created(b) - created(a) || Number(b.id) - Number(a.id))[0];
}

/**
 * Did an evacuate reach Nova since `startedAt`? Answered from the server, the evacuation record and
 * the instance action. One that reached Nova is waited for until it ends, and never sent again —
 * unless Nova recorded that it failed with the instance still on the failed host, which is said.
 */
export async function evacuationHappened(ctx: StepContext<FailedNodeParams>, uuid: string, startedAt: string): Promise<'done' | 'not-done'> {
  const { failed, target } = hostsOf(ctx);
  const since = Date.parse(startedAt) - SKEW_MS;
  const server = (await ctx.read(showServer(uuid))).value;
  const migration = await latestEvacuation(ctx, uuid, since);
  const actions = await ctx.tryRead(listInstanceActions(uuid));
  const action = actions.ok ? actions.value?.find((a) => a.action === 'evacuate' && Date.parse(normalise(a.startTime)) >= since) : undefined;
  const reached = server.host === target.host || migration !== undefined || action !== undefined || REBUILDING.has(server.taskState ?? '');
  if (!reached) return 'not-done';

  const name = label({ uuid, name: server.name });
  ctx.note(`${name}: the evacuate sent at ${startedAt} reached Nova${migration ? ` (evacuation ${migration.uuid ?? migration.id}, ${migration.status})` : ''}; it is not sent again — waiting for how it ends`);
  const instance = instancesOf(ctx).find((i) => i.uuid === uuid);
  const expected = statusAfterEvacuation(instance ?? { vmState: 'active' }, evacuateMicroversionOf(ctx));
  const idle = new IdleOnSource();
  const { settled } = await pollUntilSettled(
    [uuid],
    async () => {
      const now = (await ctx.read(showServer(uuid))).value;
      const end = await evacuationOutcome(ctx, now, failed.host, target.host, expected, idle, since);
      return new Map(end ? [[uuid, end]] : []);
    },
    ctx.poll,
  );
  const end = settled.get(uuid);
  // Still under way at the deadline, ended on the target, or in ERROR: never a second evacuate; verify names it.
  if (!end?.refused) return 'done';
  ctx.warn(`${name}: ${end.outcome.ok ? '' : end.outcome.detail}; Nova refused it and the instance was not touched, so it is evacuated again`);
  return 'not-done';
}

/** Servers seen on the failed host with no task left, poll after poll. */
class IdleOnSource {
  private readonly seen = new Set<string>();

  seenTwice(uuid: string): boolean {
    if (this.seen.has(uuid)) return true;
    this.seen.add(uuid);
    return false;
  }
}

/** Nova prints times without a zone (UTC) and sometimes with microseconds. */
function normalise(time: string): string {
  return /[zZ]|[+-]\d\d:?\d\d$/.test(time) ? time : `${time}Z`;
}
