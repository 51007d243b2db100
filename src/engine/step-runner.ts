// Runs one step: plan, guards, scope check, confirmation, execution (per item, or one SQL
// transaction), settle, verify. Returns the step's outcome; the run-level order is runner.ts's.
import pLimit from 'p-limit';
import type { Effects } from '../effects/types.js';
import type { EventBus, StepOutcome, StepPhases, WouldBlock } from './events.js';
import { planOperation, wouldBlockText } from './events.js';
import { messageOf } from './execute-operation.js';
import { CloudUnreachableError } from '../effects/retry-policy.js';
import { SqlError } from '../effects/sql/sql-error.js';
import type { Prompter } from './prompter.js';
import type { HeldBack, ItemOutcome, PlanItem, RunMode, Scope, Step, StepContext, StepPlan } from './runbook.js';
import { itemId, type AcknowledgedOp, type RunStore } from './run-store.js';
import { assertInScope } from './scope.js';
import { assertShellAllowed } from './shell-policy.js';
import { runSqlStep } from './sql-step.js';
import { runItem } from './run-item.js';
import { checkPlan } from './runbook-rules.js';
import { heldBackFactKey } from './step-context.js';

export interface StepRunDeps {
  store: RunStore;
  effects: Effects;
  bus: EventBus;
  prompter: Prompter;
  mode: RunMode;
  scope: Scope;
  concurrency: number;
  nextOpId(step: string): string;
  stop?: AbortSignal;
  /** Called before the first mutating operation of a step executes (durably marks the run as changing the cloud). */
  beforeMutation(): Promise<void>;
}

export interface StepResult {
  outcome: StepOutcome | 'aborted';
  detail: string;
  counts: { done: number; failed: number; held: number; skipped: number };
  /** Where the step's time went (the bench and the transcript's step.end show it). */
  phases: StepPhases;
  /** Dry-run: the guards that failed; the step was planned as if they passed. */
  wouldBlock?: WouldBlock[];
}

/** Wall time per phase of one step: `lap(phase)` adds the time since the previous lap to it. */
function phaseClock() {
  const phases: StepPhases = { planMs: 0, guardsMs: 0, confirmMs: 0, itemsMs: 0, settleMs: 0, verifyMs: 0 };
  let last = performance.now();
  return {
    phases,
    lap(phase: keyof StepPhases) {
      const now = performance.now();
      phases[phase] = Math.round(phases[phase] + now - last);
      last = now;
    },
  };
}

const PREVIEW = 8;

export async function runStep(step: Step, index: number, ctx: StepContext, deps: StepRunDeps): Promise<StepResult> {
  const { bus, store } = deps;
  const counts = { done: 0, failed: 0, held: 0, skipped: 0 };
  const clock = phaseClock();
  const { phases } = clock;
  const item = (key: string, status: 'done' | 'failed' | 'held' | 'skipped', detail: string) => {
    counts[status] += 1;
    bus.emit({ type: 'item', step: step.id, key, status, detail });
  };

  let plan: StepPlan = await step.plan(ctx);
  for (const line of plan.notes ?? []) ctx.note(line);
  clock.lap('planMs');

  // Guards: evaluated right before the step would run, shown whatever their result. A live run
  // stops at the first that fails; a dry-run plans on as if it passed, so that the operator sees
  // the whole plan (and the run still ends saying that a live run would be refused).
  const held: HeldBack[] = [];
  const wouldBlock: WouldBlock[] = [];
  for (const guard of step.guards ?? []) {
    const result = await guard.check(ctx, plan);
    bus.emit({ type: 'guard', step: step.id, name: guard.name, ok: result.ok, detail: result.detail, heldBack: result.holdBack ?? [] });
    if (!result.ok) {
      if (deps.mode === 'live') {
        clock.lap('guardsMs');
        return { outcome: 'blocked', detail: `guard "${guard.name}" failed: ${result.detail}`, counts, phases };
      }
      wouldBlock.push({ step: step.id, guard: guard.name, detail: result.detail });
      ctx.warn(`${wouldBlockText(wouldBlock.at(-1)!)} — planned below as if it passed; a live run stops here`);
    }
    held.push(...(result.holdBack ?? []));
  }
  if (held.length > 0) {
    const heldKeys = new Set(held.map((h) => h.key));
    for (const h of held) item(h.key, 'held', h.reason);
    plan = { ...plan, items: plan.items.filter((i) => !heldKeys.has(i.key)) };
    if (deps.mode === 'live') {
      await Promise.all(held.map((h) => store.record({ step: step.id, key: h.key, status: 'held', detail: h.reason })));
    }
  }
  await ctx.setFact(heldBackFactKey(step.id), held);
  if (step.consolidate) plan = { ...plan, items: await step.consolidate(ctx, plan.items) };
  const execution = checkPlan(step, plan.items);
  clock.lap('guardsMs');

  // Scope and planned operations: every operation is shown, dry-run or not.
  for (const planItem of plan.items) {
    for (const op of planItem.ops) {
      assertInScope(op, deps.scope);
      if (op.kind === 'shell') assertShellAllowed(op.argv);
      bus.emit({ type: 'op.planned', step: step.id, item: planItem.key, opId: deps.nextOpId(step.id), op: planOperation(op) });
    }
  }

  clock.lap('planMs'); // showing the plan is part of planning
  if (deps.mode === 'dry-run') {
    const blocked = wouldBlock.map((w) => `; ${wouldBlockText(w)}`).join('');
    return { outcome: 'planned', detail: `${plan.items.length} item(s) planned, none executed (dry-run)${blocked}`, counts, phases, wouldBlock };
  }

  const { todo, opsDone } = await itemsStillToDo(step, plan.items, ctx, deps, item);
  clock.lap('itemsMs');
  if (todo.length === 0) {
    return finish(step, ctx, counts, plan.items.length === 0 ? 'nothing to do' : 'every item was already done', clock);
  }

  if (!step.readOnly) {
    const question = `Step ${index}: ${step.title} — ${todo.length} item(s). ${step.changes}. Go ahead?`;
    const details = [
      ...(step.warnings ?? []),
      ...todo.slice(0, PREVIEW).map((i) => i.summary),
      ...(todo.length > PREVIEW ? [`... and ${todo.length - PREVIEW} more (all listed above as planned operations)`] : []),
    ];
    if (deps.stop?.aborted) return { outcome: 'aborted', detail: 'interrupted by the operator', counts, phases };
    const { answer, how } = await deps.prompter.confirm(question, details);
    bus.emit({ type: 'confirm', step: step.id, question, answer, how });
    clock.lap('confirmMs');
    if (!answer) return { outcome: 'aborted', detail: 'the operator answered no', counts, phases };
  }

  if (!step.readOnly) await deps.beforeMutation();
  if (execution === 'transaction') {
    await runTransactional(step, todo, ctx, deps, item);
  } else {
    await runItems(step, todo, opsDone, ctx, deps, item, clock);
  }
  clock.lap('itemsMs');
  if (deps.stop?.aborted) {
    return { outcome: 'aborted', detail: `interrupted by the operator after ${counts.done} item(s); ${todo.length - counts.done - counts.failed - counts.held} not started`, counts, phases };
  }
  return finish(step, ctx, counts, `${counts.done} done, ${counts.failed} failed, ${counts.held} held back`, clock);
}

async function finish(step: Step, ctx: StepContext, counts: StepResult['counts'], detail: string, clock: ReturnType<typeof phaseClock>): Promise<StepResult> {
  const { phases } = clock;
  if (counts.failed > 0) return { outcome: 'failed', detail, counts, phases };
  if (step.verify) {
    const result = await step.verify(ctx);
    clock.lap('verifyMs');
    if (!result.ok) return { outcome: 'failed', detail: `verification failed: ${result.detail}`, counts, phases };
    ctx.note(`verified: ${result.detail}`);
  }
  return { outcome: 'done', detail, counts, phases };
}

/** Drops items an earlier attempt finished; asks the step about started or failed ones. */
async function itemsStillToDo(
  step: Step,
  items: PlanItem[],
  ctx: StepContext,
  deps: StepRunDeps,
  item: (key: string, status: 'done' | 'skipped', detail: string) => void,
): Promise<{ todo: PlanItem[]; opsDone: ReadonlyMap<string, readonly AcknowledgedOp[]> }> {
  if (deps.store.state.attempts <= 1) return { todo: items, opsDone: new Map() };
  const { items: records, opsDone } = await deps.store.journal();
  const todo: PlanItem[] = [];
  const redo: string[] = [];
  for (const planItem of items) {
    const record = records.get(itemId(step.id, planItem.key));
    if (record?.status === 'done') {
      item(planItem.key, 'skipped', 'already done in an earlier attempt');
      continue;
    }
    if (record && (record.status === 'started' || record.status === 'failed') && step.resolve) {
      const verdict = await step.resolve(ctx, planItem, record.ts);
      if (verdict === 'done') {
        await deps.store.record({ step: step.id, key: planItem.key, status: 'done', detail: 'found done on resume' });
        item(planItem.key, 'done', 'an earlier attempt did it (checked against the cloud), not repeated');
        continue;
      }
    }
    if (record) redo.push(`${planItem.key} (${record.status}${record.detail ? `: ${record.detail}` : ''})`);
    todo.push(planItem);
  }
  if (redo.length > 0) ctx.note(`resume will redo ${redo.length} item(s): ${redo.slice(0, 20).join('; ')}${redo.length > 20 ? '; ...' : ''}`);
  return { todo, opsDone };
}

async function runTransactional(
  step: Step,
  items: PlanItem[],
  ctx: StepContext,
  deps: StepRunDeps,
  item: (key: string, status: 'done' | 'failed', detail: string) => void,
): Promise<void> {
  const { bus, store } = deps;
  const startedAt = new Date().toISOString();
  let txOpId: string | undefined;
  try {
    const result = await runSqlStep(step.id, store.state.attempts, items, deps.effects.sql, store.artifacts, {
      opStart(planItem, op) {
        const opId = deps.nextOpId(step.id);
        bus.emit({ type: 'op.start', step: step.id, item: planItem.key, opId, summary: op.summary, command: op.command, mutating: true });
        return opId;
      },
      opEnd(opId, planItem, ok, durationMs, rows, error) {
        bus.emit({ type: 'op.end', step: step.id, item: planItem.key, opId, ok, durationMs: Math.round(durationMs), rows, error });
      },
      retry(notice) {
        txOpId ??= deps.nextOpId(step.id);
        bus.emit({ type: 'retry', step: step.id, item: null, opId: txOpId, summary: `the transaction of step ${step.id}, from its start`, ...notice });
      },
    });
    await Promise.all(items.map((i) => store.record({ step: step.id, key: i.key, status: 'done' })));
    for (const i of items) item(i.key, 'done', 'committed');
    bus.emit({
      type: 'note',
      step: step.id,
      level: 'info',
      message: `committed ${result.affectedRows} row change(s); rows saved to ${result.backupFile}, rollback script ${result.rollbackFile}`,
    });
  } catch (error) {
    if (error instanceof SqlError && error.answerLost) {
      await resolveLostCommit(step, items, ctx, deps, item, error, startedAt, (txOpId ??= deps.nextOpId(step.id)));
      return;
    }
    for (const i of items) item(i.key, 'failed', `transaction rolled back: ${messageOf(error)}`);
  }
}

/** A COMMIT without an answer is never run again blind: each item is resolved by reading, as a resume would. */
async function resolveLostCommit(
  step: Step,
  items: PlanItem[],
  ctx: StepContext,
  deps: StepRunDeps,
  item: (key: string, status: 'done' | 'failed', detail: string) => void,
  error: SqlError,
  startedAt: string,
  opId: string,
): Promise<void> {
  const { bus, store } = deps;
  bus.emit({ type: 'answer-lost', step: step.id, item: null, opId, summary: `the transaction of step ${step.id}`, error: error.message });
  for (const planItem of items) {
    let verdict: 'done' | 'not-done' | 'unknown' = 'unknown';
    let why = 'the step has no way to read whether it happened';
    if (step.resolve) {
      try {
        verdict = await step.resolve(ctx, planItem, startedAt);
      } catch (readError) {
        why = `reading the state failed: ${messageOf(readError)}`;
      }
    }
    const detail = verdict === 'done' ? 'resolved by reading: done (committed)' : verdict === 'not-done' ? 'resolved by reading: not done' : `not resolved: ${why}`;
    bus.emit({ type: 'resolved', step: step.id, item: planItem.key, opId, verdict, detail });
    if (verdict === 'done') {
      await store.record({ step: step.id, key: planItem.key, status: 'done', detail: 'COMMIT answer lost; found committed' });
      item(planItem.key, 'done', 'COMMIT answer lost; resolved by reading: committed');
    } else {
      item(planItem.key, 'failed', `${error.message}; ${detail}; not re-run: novaops resume reads the rows first`);
    }
  }
}

async function runItems(
  step: Step,
  items: PlanItem[],
  opsDone: ReadonlyMap<string, readonly AcknowledgedOp[]>,
  ctx: StepContext,
  deps: StepRunDeps,
  item: (key: string, status: 'done' | 'failed' | 'held', detail: string) => void,
  clock: ReturnType<typeof phaseClock>,
): Promise<void> {
  const limit = pLimit(deps.concurrency);
  const heldNow: HeldBack[] = [];
  let silentCloud: CloudUnreachableError | undefined;
  const resolve = step.resolve?.bind(step);
  const itemDeps = { ...deps, resolve: resolve && ((i: PlanItem, startedAt: string) => resolve(ctx, i, startedAt)) };
  const waves = [...new Set(items.map((i) => i.wave ?? 0))].sort((a, b) => a - b);
  for (const wave of waves) {
    const acknowledged: PlanItem[] = [];
    const inWave = items.filter((i) => (i.wave ?? 0) === wave);
    // Each item's `started` record must be on disk before its operations run (a crash after it is
    // resolved by reading state). It is written one slot ahead, while earlier items' requests are in
    // flight, and the final record is awaited after the slot is free: the journal's fsyncs stay off
    // the path of the requests. Only single-operation items are written ahead (a multi-operation
    // item resumes op by op); one written ahead that an interruption keeps from starting is closed
    // as failed, nothing sent, so a clean stop leaves no item "started"; after a kill, at most
    // `concurrency` of them read as started without having begun, and resume resolves those by
    // reading state like any other.
    const started = new Map<number, Promise<void>>();
    const startedRecord = (index: number): Promise<void> | undefined => {
      if (index >= inWave.length || deps.stop?.aborted || inWave[index].ops.length !== 1) return started.get(index);
      let record = started.get(index);
      if (!record) {
        record = deps.store.record({ step: step.id, key: inWave[index].key, status: 'started' });
        record.catch(() => undefined); // awaited by its own item; a write-ahead never run must not crash the run
        started.set(index, record);
      }
      return record;
    };
    await Promise.all(
      inWave.map((planItem, index) =>
        limit(async () => {
          if (deps.stop?.aborted || silentCloud) {
            if (started.has(index)) {
              await started.get(index);
              await deps.store.record({ step: step.id, key: planItem.key, status: 'failed', detail: 'interrupted before it began: nothing was sent' });
            }
            return undefined;
          }
          const reason = step.recheck ? await step.recheck(ctx, planItem) : undefined;
          if (reason !== undefined) {
            await deps.store.record({ step: step.id, key: planItem.key, status: 'held', detail: reason });
            heldNow.push({ key: planItem.key, reason });
            item(planItem.key, 'held', reason);
            return undefined;
          }
          const own = startedRecord(index);
          startedRecord(index + deps.concurrency); // the item that takes this slot next
          try {
            return await runItem(step.id, planItem, opsDone.get(itemId(step.id, planItem.key)) ?? [], itemDeps, { started: own, deferFinalRecord: true });
          } catch (error) {
            // A silent cloud stops the run: items in flight end as failed, none starts after.
            if (!(error instanceof CloudUnreachableError)) throw error;
            silentCloud ??= error;
            const detail = `stopped: ${error.message}`;
            return { ok: false as const, error: detail, recorded: deps.store.record({ step: step.id, key: planItem.key, status: 'failed', detail }) };
          }
        }).then(async (result) => {
          if (!result) return;
          await result.recorded;
          if (!result.ok) item(planItem.key, 'failed', result.error);
          else if (!step.settle) item(planItem.key, 'done', 'acknowledged');
          else acknowledged.push(planItem);
        }),
      ),
    );
    clock.lap('itemsMs');
    if (silentCloud) throw silentCloud;
    if (step.settle && acknowledged.length > 0) await settle(step, acknowledged, ctx, deps, item);
    clock.lap('settleMs');
  }
  // Held back at the last moment: later steps and verify() see them as held, like a guard's.
  if (heldNow.length > 0) await ctx.setFact(heldBackFactKey(step.id), [...ctx.heldBack(step.id), ...heldNow]);
}

async function settle(
  step: Step,
  items: PlanItem[],
  ctx: StepContext,
  deps: StepRunDeps,
  item: (key: string, status: 'done' | 'failed', detail: string) => void,
): Promise<void> {
  let outcomes: Map<string, ItemOutcome>;
  try {
    outcomes = await step.settle!(ctx, items);
  } catch (error) {
    outcomes = new Map(items.map((i) => [i.key, { ok: false, detail: `could not confirm completion: ${messageOf(error)}` }]));
  }
  for (const planItem of items) {
    const outcome = outcomes.get(planItem.key) ?? { ok: false, detail: 'no completion reported' };
    if (outcome.ok) {
      if (outcome.warning) ctx.warn(`${planItem.summary}: ${outcome.warning}`);
      item(planItem.key, 'done', outcome.detail ?? 'completed');
    } else {
      await deps.store.record({ step: step.id, key: planItem.key, status: 'failed', detail: outcome.detail });
      item(planItem.key, 'failed', outcome.detail);
    }
  }
}
