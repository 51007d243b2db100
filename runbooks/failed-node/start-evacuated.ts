// Step (--method evacuate, at compute microversion 2.95 or later). "Starting from API version 2.95,
// the server will remain stopped on the destination until it is manually started" (Compute API
// reference, Evacuate Server): Nova stops every instance it evacuates, the ones that ran included.
// The instances that were ACTIVE on the failed host are started again here, once each (os-start);
// the ones that were stopped stay stopped. At 2.29 Nova restores each power state itself and the
// step plans nothing. A start whose answer was lost is resolved on resume from the server's state
// and its instance actions, never sent a second time.
import type { ItemOutcome, PlanItem, Step, StepContext } from '../../src/engine/runbook.js';
import { showList } from '../../src/values/show-value.js';
import { listInstanceActions } from '../../src/operations/openstack/instance-actions.js';
import { showServer, startServer } from '../../src/operations/openstack/servers.js';
import { outcomesByKey, pollUntilSettled } from '../lib/poll.js';
import {
  evacuateKey,
  evacuateMicroversionOf,
  evacuationStops,
  hostsOf,
  label,
  movingInstances,
  startedAfterEvacuation,
  withEvacuate,
  type FailedInstance,
  type FailedNodeParams,
} from './facts.js';
import { fencingGuard, onTargetGuard } from './guards.js';
import { readServers } from './read-servers.js';

/** Clock skew allowed between this machine and the API when matching an instance action to an attempt. */
const SKEW_MS = 5 * 60_000;

export const startKey = (uuid: string) => `start:${uuid}`;

export const startEvacuatedStep: Step<FailedNodeParams> = {
  id: 'start-evacuated',
  title: 'Start the evacuated instances that were running (Nova leaves them stopped from microversion 2.95), once each',
  changes: 'starts (os-start) each evacuated instance that was ACTIVE on the failed host and that Nova left SHUTOFF on the target',
  warnings: ['Each instance is started exactly once. One that does not come back ACTIVE is reported, not started again: look at its console and the nova-compute log of the target host.'],
  appliesWhen: withEvacuate,
  guards: [fencingGuard, onTargetGuard],
  async plan(ctx) {
    const microversion = evacuateMicroversionOf(ctx);
    const { target } = hostsOf(ctx);
    if (!evacuationStops(microversion)) {
      return { items: [], notes: [`evacuated at compute microversion ${microversion}: Nova brings each instance back as it was, nothing to start`] };
    }
    const moved = movingInstances(ctx, 'evacuate', evacuateKey);
    let toStart = moved.filter((i) => startedAfterEvacuation(i, microversion));
    const notes: string[] = [];
    const keptStopped = moved.filter((i) => i.vmState === 'stopped');
    if (keptStopped.length > 0) notes.push(`${keptStopped.length} instance(s) were stopped before and stay stopped: ${showList(keptStopped.map(label), 5)}`);
    if (ctx.mode !== 'dry-run' && toStart.length > 0) {
      // An instance already running again (started by its owner, or by this run before it was
      // interrupted) is not started: os-start on it would be refused, and it is where it should be.
      const servers = await readServers(ctx, toStart.map((i) => i.uuid), [hostsOf(ctx).failed.host, target.host]);
      const running = toStart.filter((i) => servers.get(i.uuid)?.status === 'ACTIVE');
      if (running.length > 0) notes.push(`${running.length} instance(s) already ACTIVE again, not started: ${showList(running.map(label), 5)}`);
      toStart = toStart.filter((i) => !running.includes(i));
    }
    return {
      items: toStart.map(
        (i): PlanItem<FailedInstance> => ({
          key: startKey(i.uuid),
          summary: `start ${label(i)} on ${target.host} (it was ACTIVE on the failed host; the evacuation at ${microversion} left it stopped)`,
          target: { instance: i.uuid, host: target.host },
          ops: [startServer(i.uuid, i.name)],
          data: i,
        }),
      ),
      notes,
    };
  },
  settle: (ctx, items) => settleStarts(ctx, items),
  resolve: (ctx, item, startedAt) => startHappened(ctx, item.target.instance!, startedAt),
};

/** Waits (read-only, bulk polling with back-off) until no instance is still powering on. */
async function settleStarts(ctx: StepContext<FailedNodeParams>, items: PlanItem[]): Promise<Map<string, ItemOutcome>> {
  const { failed, target } = hostsOf(ctx);
  const byUuid = new Map(items.map((i) => [i.target.instance!, i.key]));
  const polled = await pollUntilSettled(
    [...byUuid.keys()],
    async (uuids) => {
      const servers = await readServers(ctx, uuids, [failed.host, target.host]);
      const now = new Map<string, ItemOutcome>();
      for (const uuid of uuids) {
        const s = servers.get(uuid);
        if (!s || s.taskState === 'powering-on') continue;
        now.set(
          uuid,
          s.status === 'ACTIVE'
            ? { ok: true, detail: `started, ACTIVE on ${s.host ?? '?'}` }
            : { ok: false, detail: `start accepted but ${s.status}${s.fault ? ` — ${s.fault}` : ''}: not started again; look at its console and the nova-compute log of ${target.host}` },
        );
      }
      return now;
    },
    ctx.poll,
  );
  return outcomesByKey(
    polled,
    (uuid) => byUuid.get(uuid)!,
    (outcome) => outcome,
    () => ({ ok: false, detail: `start accepted but still powering on after ${Math.round(ctx.poll.timeoutMs / 1000)} s; a resume waits for it, it never sends it again` }),
  );
}

/** Did a start reach Nova since `startedAt`? Read from the server (running, or powering on) and its instance actions. */
export async function startHappened(ctx: StepContext, uuid: string, startedAt: string): Promise<'done' | 'not-done'> {
  const server = (await ctx.read(showServer(uuid))).value;
  if (server.status === 'ACTIVE' || server.taskState === 'powering-on') return 'done';
  const since = Date.parse(startedAt) - SKEW_MS;
  const actions = await ctx.read(listInstanceActions(uuid));
  const started = actions.value.some((a) => a.action === 'start' && Date.parse(normalise(a.startTime)) >= since);
  if (started) ctx.note(`${label({ uuid, name: server.name })}: the start sent at ${startedAt} reached Nova (instance action "start"); it is not sent again`);
  return started ? 'done' : 'not-done';
}

/** Nova prints times without a zone (UTC) and sometimes with microseconds. */
function normalise(time: string): string {
  return /[zZ]|[+-]\d\d:?\d\d$/.test(time) ? time : `${time}Z`;
}
