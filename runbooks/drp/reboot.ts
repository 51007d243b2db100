// Step 3. "Restart the instances" — a hard reboot of each affected instance, exactly once.
// Some stop at the plymouth stage: that is expected, and they must NOT be rebooted again; the
// re-attach in step 4 lets them go on booting.
import type { ItemOutcome, PlanItem, Step, StepContext } from '../../src/engine/runbook.js';
import { listInstanceActions, listServers, rebootServer, showServer, type Server } from '../../src/operations/openstack.js';
import { pollUntilSettled } from '../lib/poll.js';
import { affectedInstances, type DrpParams } from './facts.js';

const REBOOTING = /^reboot/;

export const rebootStep: Step<DrpParams> = {
  id: 'reboot',
  title: 'Restart the instances (hard reboot, once each)',
  changes: 'hard-reboots each affected instance through the Compute API, once',
  unguarded: 'only instances the power loss left SHUTOFF are rebooted, each at most once (a resume reads its instance actions first); a hard reboot of a stopped instance loses nothing',
  warnings: [
    'Some instances reboot completely, some stop at the plymouth stage. That is expected: DO NOT reboot them a second time. Step 4 re-attaches their volumes and they go on booting.',
  ],
  async plan(ctx) {
    return {
      items: affectedInstances(ctx).map((i) => ({
        key: `reboot:${i.uuid}`,
        summary: `hard reboot ${i.name} (${i.uuid}) on ${i.host ?? '?'}`,
        target: { instance: i.uuid, host: i.host ?? undefined },
        ops: [rebootServer(i.uuid, 'HARD')],
      })),
    };
  },
  async settle(ctx, items) {
    const byKey = new Map(items.map((i) => [i.target.instance!, i.key]));
    const { settled, pending } = await pollUntilSettled(
      [...byKey.keys()],
      async (uuids) => {
        const servers = await readServers(ctx, uuids);
        const done = new Map<string, Server>();
        for (const s of servers) if (!REBOOTING.test(s.taskState ?? '')) done.set(s.id, s);
        return done;
      },
      ctx.poll,
    );
    const outcomes = new Map<string, ItemOutcome>();
    for (const [uuid, server] of settled) {
      outcomes.set(
        byKey.get(uuid)!,
        server.status === 'ACTIVE'
          ? { ok: true, detail: 'rebooted, ACTIVE' }
          : { ok: true, detail: `rebooted, now ${server.status}`, warning: `came back ${server.status}; do NOT reboot it again — look at its console and nova-compute log` },
      );
    }
    for (const uuid of pending) {
      outcomes.set(byKey.get(uuid)!, {
        ok: true,
        detail: 'reboot accepted, still in progress',
        warning: `still rebooting after ${Math.round(ctx.poll.timeoutMs / 1000)}s; do NOT reboot it again`,
      });
    }
    return outcomes;
  },
  async resolve(ctx, item: PlanItem, startedAt: string) {
    const uuid = item.target.instance!;
    const server = await ctx.read(showServer(uuid));
    if (REBOOTING.test(server.value.taskState ?? '')) return 'done';
    const actions = await ctx.read(listInstanceActions(uuid));
    // Allow for clock skew between this machine and the API.
    const since = Date.parse(startedAt) - 5 * 60_000;
    return actions.value.some((a) => a.action === 'reboot' && Date.parse(a.startTime) >= since) ? 'done' : 'not-done';
  },
};

async function readServers(ctx: StepContext, uuids: string[]): Promise<Server[]> {
  if (uuids.length > 20) {
    const wanted = new Set(uuids);
    return (await ctx.read(listServers({ allProjects: true }))).value.filter((s) => wanted.has(s.id));
  }
  const found = await ctx.mapLimit(uuids, (id) => ctx.tryRead(showServer(id)));
  return found.filter((r) => r.ok && r.value).map((r) => r.value as Server);
}
