// A hard reboot of each instance, exactly once (invariant 6): the step drp, failed-node and
// reset-state share. Items are planned as values; completion is read back by bulk polling; an
// item a killed run left ambiguous is resolved from the instance's actions, never by a second
// reboot — an instance stopped at the plymouth stage must not be rebooted again.
import type { Guard, ItemOutcome, PlanItem, Step, StepCondition, StepContext } from '../../src/engine/runbook.js';
import { listInstanceActions } from '../../src/operations/openstack/instance-actions.js';
import { rebootServer, showServer, type Server } from '../../src/operations/openstack/servers.js';
import { outcomesByKey, pollUntilSettled } from './poll.js';
import { readServers } from './bulk-read.js';

export interface RebootTarget {
  uuid: string;
  name: string;
  host: string | null;
}

interface HardRebootBase<P> {
  id: string;
  /** In the guide's words. */
  title: string;
  changes: string;
  warnings?: string[];
  optional?: boolean;
  enabled?(params: P): boolean;
  appliesWhen?: StepCondition<P>;
  /** The instances to reboot (from the run's facts). */
  targets(ctx: StepContext<P>): RebootTarget[];
}

/** A reboot step is guarded (failed-node: the failed host is fenced), or says why it needs no guard (drp). */
export type HardRebootSpec<P> = HardRebootBase<P> & ({ guards: Guard<P>[]; unguarded?: never } | { unguarded: string; guards?: never });

const REBOOTING = /^reboot/;

export function rebootKey(uuid: string): string {
  return `reboot:${uuid}`;
}

export function hardRebootStep<P>(spec: HardRebootSpec<P>): Step<P> {
  return {
    id: spec.id,
    title: spec.title,
    changes: spec.changes,
    unguarded: spec.unguarded,
    guards: spec.guards,
    warnings: spec.warnings,
    optional: spec.optional,
    enabled: spec.enabled,
    appliesWhen: spec.appliesWhen,
    async plan(ctx) {
      return {
        items: spec.targets(ctx).map((i) => ({
          key: rebootKey(i.uuid),
          summary: `hard reboot ${i.name} (${i.uuid}) on ${i.host ?? '?'}`,
          target: { instance: i.uuid, host: i.host ?? undefined },
          ops: [rebootServer(i.uuid, 'HARD')],
        })),
      };
    },
    settle: (ctx, items) => settleReboots(ctx, items),
    resolve: (ctx, item, startedAt) => rebootHappened(ctx, item.target.instance!, startedAt),
  };
}

/** Waits (read-only, bulk polling with back-off) until no instance is still rebooting. */
async function settleReboots(ctx: StepContext, items: PlanItem[]): Promise<Map<string, ItemOutcome>> {
  const byUuid = new Map(items.map((i) => [i.target.instance!, i.key]));
  const { settled, pending } = await pollUntilSettled(
    [...byUuid.keys()],
    async (uuids) => {
      const done = new Map<string, Server>();
      for (const s of await readServers(ctx, uuids)) if (!REBOOTING.test(s.taskState ?? '')) done.set(s.id, s);
      return done;
    },
    ctx.poll,
  );
  return outcomesByKey(
    { settled, pending },
    (uuid) => byUuid.get(uuid)!,
    (server) =>
      server.status === 'ACTIVE'
        ? { ok: true, detail: 'rebooted, ACTIVE' }
        : { ok: true, detail: `rebooted, now ${server.status}`, warning: `came back ${server.status}; do NOT reboot it again — look at its console and nova-compute log` },
    () => ({
      ok: true,
      detail: 'reboot accepted, still in progress',
      warning: `still rebooting after ${Math.round(ctx.poll.timeoutMs / 1000)}s; do NOT reboot it again`,
    }),
  );
}

/** Did a reboot reach Nova since `startedAt`? Read from task_state and the instance actions. */
export async function rebootHappened(ctx: StepContext, uuid: string, startedAt: string): Promise<'done' | 'not-done'> {
  const server = await ctx.read(showServer(uuid));
  if (REBOOTING.test(server.value.taskState ?? '')) return 'done';
  const actions = await ctx.read(listInstanceActions(uuid));
  // Allow for clock skew between this machine and the API.
  const since = Date.parse(startedAt) - 5 * 60_000;
  return actions.value.some((a) => a.action === 'reboot' && Date.parse(a.startTime) >= since) ? 'done' : 'not-done';
}

