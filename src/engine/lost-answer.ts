// A mutating operation whose answer was lost is resolved by reading, never repeated blind.
// The effects never resend it (retry-policy.ts); here the engine asks the step's resolve — the
// same read a resume makes of an item left `started` — whether it happened: 'done' counts the
// operation as acknowledged, 'not-done' allows one more attempt (no longer blind), and without
// an answer the item fails and stays resumable. Every item runs through run-item.ts, so no
// runbook can forget this.
import type { Operation, OperationResult } from '../operations/types.js';
import type { EventBus } from './events.js';
import { emitOperationEnd, retryEvents } from './events.js';
import { executeOperation, messageOf } from './execute-operation.js';
import type { PlanItem } from './runbook.js';
import type { Effects } from '../effects/types.js';

export interface LostAnswerDeps {
  effects: Effects;
  bus: EventBus;
  nextOpId(step: string): string;
  /** The step's resolve, bound to its context (absent: the step has none). */
  resolve?: (item: PlanItem, startedAt: string) => Promise<'done' | 'not-done'>;
}

export interface LostOperation {
  stepId: string;
  item: PlanItem;
  index: number;
  op: Operation;
  opId: string;
  /** When the operation was sent (resolve reads what happened since). */
  sentAt: string;
}

export async function resolveLostAnswer(lost: LostOperation, result: OperationResult, deps: LostAnswerDeps): Promise<OperationResult> {
  const { stepId, item, op, opId } = lost;
  const { bus } = deps;
  bus.emit({ type: 'answer-lost', step: stepId, item: item.key, opId, summary: op.summary, error: result.error ?? 'no answer' });
  const unresolved = (why: string): OperationResult => {
    bus.emit({ type: 'resolved', step: stepId, item: item.key, opId, verdict: 'unknown', detail: `not resolved: ${why}; not repeated` });
    return { ...result, error: `${result.error ?? 'no answer'}; not repeated (${why}): novaops resume reads the state before anything is sent again` };
  };
  if (!deps.resolve) return unresolved('the step has no way to read whether it happened');
  // resolve() speaks of the item as a whole: only its last change tells the state it reads.
  if (!isLastMutation(item.ops, lost.index)) return unresolved('it is not the last change of its item, so the item\'s state cannot say');
  let verdict: 'done' | 'not-done';
  try {
    verdict = await deps.resolve(item, lost.sentAt);
  } catch (error) {
    return unresolved(`reading the state failed: ${messageOf(error)}`);
  }
  if (verdict === 'done') {
    bus.emit({ type: 'resolved', step: stepId, item: item.key, opId, verdict, detail: 'resolved by reading: done (not sent again)' });
    return { ok: true, durationMs: result.durationMs, status: result.status, value: undefined };
  }
  bus.emit({ type: 'resolved', step: stepId, item: item.key, opId, verdict, detail: 'resolved by reading: not done; sending it once more' });
  return sendAgain(lost, deps, bus);
}

async function sendAgain(lost: LostOperation, deps: LostAnswerDeps, bus: EventBus): Promise<OperationResult> {
  const { stepId, item, op } = lost;
  const opId = deps.nextOpId(stepId);
  bus.emit({ type: 'op.start', step: stepId, item: item.key, opId, summary: op.summary, command: op.command, mutating: op.mutating });
  const again = await executeOperation(op, deps.effects, retryEvents(bus, stepId, item.key, opId, op.summary));
  emitOperationEnd(bus, stepId, item.key, opId, again);
  if (!again.answerLost) return again;
  // Lost twice: the bound. A resume reads the state again before anything else is sent.
  bus.emit({ type: 'answer-lost', step: stepId, item: item.key, opId, summary: op.summary, error: again.error ?? 'no answer' });
  bus.emit({ type: 'resolved', step: stepId, item: item.key, opId, verdict: 'unknown', detail: 'lost a second time; not repeated again' });
  return { ...again, error: `${again.error ?? 'no answer'}; lost twice, not repeated: novaops resume reads the state first` };
}

function isLastMutation(ops: readonly Operation[], index: number): boolean {
  return ops.every((op, i) => i <= index || !op.mutating || op.always === true);
}
