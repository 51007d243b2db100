// Step 2. "You can then delete the instance" (openstack server delete) — with --delete, and for
// every instance that was being deleted when it got stuck: Nova ignores a delete while task_state
// is deleting, which is why the reset comes first. Once per instance; waits until Nova answers 404
// (the delete finished), by polling with back-off; a resume reads before it deletes again.
import type { Guard, HeldBack, ItemOutcome, PlanItem, Step } from '../../src/engine/runbook.js';
import { deleteServer, findServer } from '../../src/operations/openstack/servers.js';
import { outcomesByKey, pollUntilSettled } from '../lib/poll.js';
import { currentStates } from './current-state.js';
import { DELETING, describeState, label, snapshotFact, unchangedSince, type InstanceEntry, type ServerState } from './facts.js';
import type { ResetStateParams } from './params.js';
import { RESET_STEP, resetKey } from './reset.js';

export const DELETE_STEP = 'delete';

export function deleteKey(uuid: string): string {
  return `delete:${uuid}`;
}

/** Where the reset left it, or where a delete already took it: anything else moved on since. */
function readyToDelete(s: ServerState | null): boolean {
  return s === null || s.taskState === DELETING || (s.vmState === 'error' && s.taskState === null);
}

const resetHeld: Guard<ResetStateParams> = {
  name: 'reset to error, nothing else since',
  describe: 'each instance to delete is as the reset left it (vm_state error, no task), or already being deleted or gone; one that something else changed since is held back and named',
  async check(ctx, plan) {
    const entries = plan.items.map((i) => i.data as InstanceEntry);
    if (entries.length === 0) return { ok: true, detail: 'nothing to delete' };
    const now = await currentStates(ctx, entries.map((e) => e.uuid));
    // A dry-run reset nothing: there, an instance still as the before table shows it is ready too.
    const ready = (e: InstanceEntry, s: ServerState | null) => readyToDelete(s) || (ctx.mode === 'dry-run' && s !== null && unchangedSince(e, s));
    const held: HeldBack[] = entries
      .filter((e) => !ready(e, now.get(e.uuid) ?? null))
      .map((e) => ({
        key: deleteKey(e.uuid),
        reason: `${label(e)} changed after its reset to error: it is now ${describeState(now.get(e.uuid)!)}; not deleted — look at it (openstack server event list ${e.uuid})`,
      }));
    return { ok: true, detail: `${entries.length - held.length} of ${entries.length} instance(s) ready to delete${held.length ? `; ${held.length} held back` : ''}`, holdBack: held };
  },
};

export const deleteStep: Step<ResetStateParams> = {
  id: DELETE_STEP,
  title: 'Delete the instances (openstack server delete) and wait until they are gone',
  changes: 'deletes each instance planned for deletion through the Compute API, once each, and waits for Nova to finish',
  warnings: [
    'Deleting is final: the instance and its local disk are gone. Attached volumes are detached; volumes created with delete_on_termination are deleted with it.',
  ],
  guards: [resetHeld],
  async plan(ctx) {
    const { instances } = snapshotFact.require(ctx);
    const heldInReset = new Set(ctx.heldBack(RESET_STEP).map((h) => h.key));
    const planned = instances.filter((e) => e.delete);
    const skipped = planned.filter((e) => heldInReset.has(resetKey(e.uuid)));
    return {
      notes: skipped.length ? [`${skipped.length} instance(s) held back before their reset are not deleted: ${skipped.map(label).join(', ')}`] : [],
      items: planned
        .filter((e) => !heldInReset.has(resetKey(e.uuid)))
        .map(
          (e): PlanItem<InstanceEntry> => ({
            key: deleteKey(e.uuid),
            summary: `delete ${label(e)} on ${e.host ?? '?'}${e.volumes ? ` (${e.volumes} volume(s) attached: detached)` : ''}`,
            target: { instance: e.uuid, host: e.host ?? undefined },
            ops: [deleteServer(e.uuid)],
            data: e,
          }),
        ),
    };
  },
  async settle(ctx, items) {
    const byUuid = new Map(items.map((i) => [i.target.instance!, i]));
    const { settled, pending } = await pollUntilSettled(
      [...byUuid.keys()],
      async (uuids) => {
        const now = await currentStates(ctx, uuids);
        const done = new Map<string, ItemOutcome>();
        for (const uuid of uuids) {
          const s = now.get(uuid) ?? null;
          if (s === null) done.set(uuid, { ok: true, detail: 'deleted: Nova answers 404' });
          else if (s.taskState !== DELETING && s.vmState !== 'deleted') {
            // The delete was taken and ended without removing it (e.g. the compute failed it).
            done.set(uuid, { ok: false, detail: `the delete did not finish: the instance is ${describeState(s)}` });
          }
        }
        return done;
      },
      ctx.poll,
    );
    return outcomesByKey(
      { settled, pending },
      (uuid) => byUuid.get(uuid)!.key,
      (outcome) => outcome,
      (uuid) => {
        const e = byUuid.get(uuid)!.data as InstanceEntry;
        return {
          ok: false,
          detail: `still deleting after ${Math.round(ctx.poll.timeoutMs / 1000)}s: nova-compute on ${e.host ?? 'its host'} is not finishing it (is it up? openstack compute service list); a resume waits for it again before deleting again`,
        };
      },
    );
  },
  async resolve(ctx, item) {
    // Killed after the delete was sent, or the wait ran out: a delete in progress is waited for
    // first; gone (404) is done. Only one that is still there and no longer deleting (the compute
    // failed it) is sent again — and one still deleting after the wait, which Nova ignores.
    const uuid = item.target.instance!;
    const { settled } = await pollUntilSettled(
      [uuid],
      async ([id]) => {
        const s = (await ctx.read(findServer(id))).value;
        return new Map<string, ServerState | null>(s !== null && s.taskState === DELETING ? [] : [[id, s]]);
      },
      ctx.poll,
    );
    return settled.has(uuid) && settled.get(uuid) === null ? 'done' : 'not-done';
  },
  async verify(ctx) {
    const { instances } = snapshotFact.require(ctx);
    const held = new Set([...ctx.heldBack(RESET_STEP), ...ctx.heldBack(DELETE_STEP)].map((h) => h.key));
    const deleted = instances.filter((e) => e.delete && !held.has(resetKey(e.uuid)) && !held.has(deleteKey(e.uuid)));
    if (deleted.length === 0) return { ok: true, detail: 'nothing was to be deleted' };
    const now = await currentStates(ctx, deleted.map((e) => e.uuid));
    const left = deleted.filter((e) => now.get(e.uuid) != null);
    for (const e of deleted) ctx.note(`after: ${e.name || e.uuid}  ${now.get(e.uuid) ? `still there: ${describeState(now.get(e.uuid)!)}` : 'GONE (Nova answers 404)'}`);
    return left.length === 0
      ? { ok: true, detail: `read back: ${deleted.length} instance(s) deleted, each answers 404` }
      : { ok: false, detail: `${left.length} instance(s) still exist: ${left.map((e) => `${label(e)}: ${describeState(now.get(e.uuid)!)}`).join('; ')}` };
  },
};
