// Step 1. "You can use the nova reset-state command to manually reset the state of an instance to
// an error state ... You can also use the --active parameter to force the instance back to an
// active state instead." Through the Compute API (os-resetState), once per instance. Guarded twice:
// a named instance that is not stuck is refused (unless --force), and right before the reset each
// instance must still show the state the operator was shown — one that moved on is held back and
// named, never forced.
import type { Guard, HeldBack, PlanItem, Step } from '../../src/engine/runbook.js';
import { listInstanceActions } from '../../src/operations/openstack/instance-actions.js';
import { findServer, resetServerState } from '../../src/operations/openstack/servers.js';
import { formatDuration } from '../lib/duration.js';
import { currentStates } from './current-state.js';
import { atResetTarget, describeState, label, NAMED_MIN_STUCK_SECONDS, snapshotFact, unchangedSince, type InstanceEntry } from './facts.js';
import type { ResetStateParams } from './params.js';
import { align } from './table.js';

export const RESET_STEP = 'reset';

export function resetKey(uuid: string): string {
  return `reset:${uuid}`;
}

const stuckOrForced: Guard<ResetStateParams> = {
  name: 'stuck, or --force',
  describe: `each named instance is stuck — a task in progress (task_state set, or vm_state building) with no change to the instance for at least ${formatDuration(NAMED_MIN_STUCK_SECONDS)}; --force resets the others too`,
  async check(ctx) {
    const { instances } = snapshotFact.require(ctx);
    const notStuck = instances.filter((e) => !e.stuck);
    if (notStuck.length === 0) return { ok: true, detail: `all ${instances.length} instance(s) are stuck` };
    const list = notStuck.map((e) => `${label(e)}: ${e.why}`).join('; ');
    if (ctx.params.force) return { ok: true, detail: `--force: ${notStuck.length} instance(s) that are not stuck are reset anyway: ${list}` };
    return {
      ok: false,
      detail: `not stuck, so nothing is reset: ${list} — leave ${notStuck.length === 1 ? 'it' : 'them'} out, wait until the task stops moving, or add --force`,
    };
  },
};

/** Right before the reset: the state the operator was shown is still the state in the cloud. */
const unchangedSincePlan: Guard<ResetStateParams> = {
  name: 'unchanged since the plan',
  describe: 'each instance still shows the vm_state, task_state and last change of the before table; one that moved on (or is gone) is held back and named, never reset',
  async check(ctx, plan) {
    const entries = plan.items.map((i) => i.data as InstanceEntry);
    if (entries.length === 0) return { ok: true, detail: 'nothing to reset' };
    const now = await currentStates(ctx, entries.map((e) => e.uuid));
    const held: HeldBack[] = [];
    for (const e of entries) {
      const s = now.get(e.uuid) ?? null;
      if (s === null) held.push({ key: resetKey(e.uuid), reason: `${label(e)} is gone (deleted since the plan): nothing to reset` });
      // Already there: reset by an earlier attempt (the journal skips it) or nothing left to do.
      else if (atResetTarget(e, s) || unchangedSince(e, s)) continue;
      else held.push({ key: resetKey(e.uuid), reason: `${label(e)} moved on since the plan: it was ${describeState(e)}, it is now ${describeState(s)}; not reset (run reset-state again if it gets stuck again)` });
    }
    return {
      ok: true,
      detail: `${entries.length - held.length} of ${entries.length} instance(s) still as shown in the before table${held.length ? `; ${held.length} moved on and are held back` : ''}`,
      holdBack: held,
    };
  },
};

export const resetStep: Step<ResetStateParams> = {
  id: RESET_STEP,
  title: 'Reset the state of each instance (nova reset-state: to error, or to active with --active)',
  changes: 'sets vm_state (error, or active) and clears task_state of each instance through the Compute API (os-resetState), once each',
  warnings: [
    'A reset changes only what Nova records; it does not touch the hypervisor. An instance reset to active that is not running there shows ACTIVE without being so: check its console, or hard-reboot it.',
    'A reset cuts short whatever Nova was doing with the instance (a migration, a reboot): only reset instances whose task has really stopped moving.',
  ],
  guards: [stuckOrForced, unchangedSincePlan],
  async plan(ctx) {
    const { instances } = snapshotFact.require(ctx);
    return {
      items: instances.map(
        (e): PlanItem<InstanceEntry> => ({
          key: resetKey(e.uuid),
          summary: `reset ${label(e)} on ${e.host ?? '?'} from ${e.status} (task_state ${e.taskState ?? 'none'}${e.ageSeconds === null ? '' : `, unchanged for ${formatDuration(e.ageSeconds)}`}) to ${e.resetTo}`,
          target: { instance: e.uuid, host: e.host ?? undefined },
          ops: [resetServerState(e.uuid, e.resetTo)],
          data: e,
        }),
      ),
    };
  },
  // os-resetState has no compare-and-set: right before each reset, the instance is read once more,
  // so one that moved on while the operator read the confirmation is held back, not reset.
  async recheck(ctx, item) {
    const e = item.data as InstanceEntry;
    const s = (await ctx.read(findServer(e.uuid))).value;
    if (s === null) return `${label(e)} is gone (deleted since the plan): nothing to reset`;
    if (atResetTarget(e, s) || unchangedSince(e, s)) return undefined;
    return `${label(e)} moved on since the plan: it was ${describeState(e)}, it is now ${describeState(s)}; not reset (run reset-state again if it gets stuck again)`;
  },
  async resolve(ctx, item, startedAt) {
    // Killed between sending the reset and recording it: did it reach Nova? Read, never re-send blindly.
    const e = item.data as InstanceEntry;
    const s = (await ctx.read(findServer(e.uuid))).value;
    if (s === null || atResetTarget(e, s)) return 'done';
    const actions = await ctx.tryRead(listInstanceActions(e.uuid));
    const since = Date.parse(startedAt) - 5 * 60_000; // clock skew between this machine and the API
    return actions.ok && actions.value?.some((a) => a.action === 'resetState' && Date.parse(a.startTime) >= since) ? 'done' : 'not-done';
  },
  async verify(ctx) {
    const { instances } = snapshotFact.require(ctx);
    const held = new Set(ctx.heldBack(RESET_STEP).map((h) => h.key));
    const reset = instances.filter((e) => !held.has(resetKey(e.uuid)));
    if (reset.length === 0) return { ok: true, detail: `nothing was reset${held.size ? ` (${held.size} held back)` : ''}` };
    const now = await currentStates(ctx, reset.map((e) => e.uuid));
    const rows = [['instance', 'vm_state', 'task_state', 'updated_at', 'status']];
    const wrong: string[] = [];
    for (const e of reset) {
      const s = now.get(e.uuid) ?? null;
      rows.push([e.name || e.uuid, s?.vmState ?? '-', s?.taskState ?? '-', s?.updatedAt ?? '-', s ? s.status : 'GONE']);
      if (s && !atResetTarget(e, s)) wrong.push(`${label(e)} is ${describeState(s)}, not ${e.resetTo} without a task`);
    }
    if (reset.length > 0) for (const line of align(rows)) ctx.note(`after: ${line}`);
    return wrong.length === 0
      ? { ok: true, detail: `read back: ${reset.length} instance(s) reset, each in the vm_state asked for with no task in progress${held.size ? `; ${held.size} held back` : ''}` }
      : { ok: false, detail: `${wrong.length} instance(s) not in the state the reset set: ${wrong.join('; ')} — something changed them since; look at them (openstack server event list <uuid>) before anything else` };
  },
};
