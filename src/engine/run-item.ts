// One item's operations, in order, each journaled (DESIGN section 2): an item of several
// operations (stop services, usermod, chown, start services) resumes from its first
// unacknowledged operation, and after a failure only its `always` operations still run — what
// restarts what the item stopped (invariant 13), said so in the transcript.
import { emitOperationEnd, retryEvents } from './events.js';
import { resolveLostAnswer, type LostAnswerDeps } from './lost-answer.js';
import { executeOperation } from './execute-operation.js';
import type { PlanItem } from './runbook.js';
import type { AcknowledgedOp, RunStore } from './run-store.js';

export interface ItemRunDeps extends LostAnswerDeps {
  store: RunStore;
}

export type ItemResult = ({ ok: true } | { ok: false; error: string }) & {
  /** Settles once the item's final record (done or failed) is on disk. */
  recorded: Promise<void>;
};

/** How the caller journals around the item, so that the disk's fsyncs stay off the request path. */
export interface ItemJournaling {
  /** The item's `started` record, already on its way to disk (written ahead by the caller). */
  started?: Promise<void>;
  /**
   * Return as soon as the operations are over; the final record goes to disk in the background
   * (`recorded`) and the caller awaits it before it reports the item. A crash before it is on disk
   * leaves a `started` item, which resume resolves by reading state: the once-only rule holds.
   */
  deferFinalRecord?: boolean;
}

/**
 * Which operations of a re-planned item an earlier attempt already finished. They are matched by
 * what they do (their command line), not by position: a step plans again from the state it reads
 * on resume, and a plan that no longer lists what was done shifts every position after it, so a
 * position would skip the wrong operation (a device delete, a logout precondition).
 */
export function alreadyDone(ops: PlanItem['ops'], acknowledged: readonly AcknowledgedOp[]): Set<number> {
  const done = new Set<number>();
  const byCommand = acknowledged.filter((a) => a.command !== undefined).map((a) => a.command);
  for (const [index, op] of ops.entries()) {
    const at = byCommand.indexOf(op.command);
    if (at >= 0) {
      byCommand.splice(at, 1); // each acknowledgement stands for one operation
      done.add(index);
    } else if (acknowledged.some((a) => a.command === undefined && a.index === index)) {
      done.add(index);
    }
  }
  return done;
}

/** Runs `item`; `acknowledged` holds the operations an earlier attempt finished. */
export async function runItem(
  stepId: string,
  item: PlanItem,
  acknowledgedOps: readonly AcknowledgedOp[],
  deps: ItemRunDeps,
  journaling: ItemJournaling = {},
): Promise<ItemResult> {
  const acknowledged = alreadyDone(item.ops, acknowledgedOps);
  const { bus, store } = deps;
  const several = item.ops.length > 1;
  // Durable before the first operation: a crash after this line is an ambiguous item that resume
  // resolves by reading state, never by repeating it blindly.
  await (journaling.started ?? store.record({ step: stepId, key: item.key, status: 'started' }));
  let failure: string | undefined;
  let undone = false;
  for (const [index, op] of item.ops.entries()) {
    if (acknowledged.has(index)) {
      bus.emit({ type: 'note', step: stepId, level: 'info', message: `${item.key}: "${op.summary}" was done in an earlier attempt; not repeated` });
      continue;
    }
    if (failure !== undefined && !op.always) continue;
    if (failure !== undefined) {
      bus.emit({ type: 'note', step: stepId, level: 'warn', message: `${item.key}: running "${op.summary}" although the item failed (it restores what the item changed)` });
    }
    const opId = deps.nextOpId(stepId);
    bus.emit({ type: 'op.start', step: stepId, item: item.key, opId, summary: op.summary, command: op.command, mutating: op.mutating });
    const sentAt = new Date().toISOString();
    let result = await executeOperation(op, deps.effects, retryEvents(bus, stepId, item.key, opId, op.summary));
    emitOperationEnd(bus, stepId, item.key, opId, result);
    // Never repeated blind: the answer is settled by reading state (lost-answer.ts).
    if (result.answerLost && op.mutating) result = await resolveLostAnswer({ stepId, item, index, op, opId, sentAt }, result, deps);
    if (result.ok) {
      if (failure !== undefined) undone = true;
      else if (several) await store.record({ step: stepId, key: item.key, status: 'op-done', op: index, command: op.command });
      continue;
    }
    const error = result.error ?? 'failed';
    if (failure === undefined) failure = several ? `${op.summary}: ${error}` : error;
    else failure += `; then "${op.summary}" failed too: ${error}`;
  }
  const recorded =
    failure !== undefined
      ? store.record({ step: stepId, key: item.key, status: 'failed', detail: failure, undone })
      : store.record({ step: stepId, key: item.key, status: 'done' });
  if (!journaling.deferFinalRecord) await recorded;
  if (failure !== undefined) {
    return { ok: false, error: undone ? `${failure} (its restoring operations ran; a resume starts the item over)` : failure, recorded };
  }
  return { ok: true, recorded };
}
