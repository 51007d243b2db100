// What a step sees of the world: read-only execution, facts, artifacts, notes. Mutating work is
// returned as plan items and executed by the runner, never from here.
import pLimit from 'p-limit';
import type { Effects } from '../effects/types.js';
import { EngineRuleError } from './errors.js';
import { emitOperationEnd, type EventBus } from './events.js';
import { executeOperation } from './execute-operation.js';
import type { OperationResult, ReadOperation } from './operations.js';
import type { HeldBack, RunMode, Scope, StepContext } from './runbook.js';
import type { RunStore } from './run-store.js';

export interface ContextDeps {
  store: RunStore;
  effects: Effects;
  bus: EventBus;
  mode: RunMode;
  params: unknown;
  scope: Scope;
  concurrency: number;
  poll: { initialMs: number; maxMs: number; timeoutMs: number };
  nextOpId(step: string): string;
}

export function heldBackFactKey(stepId: string): string {
  return `held:${stepId}`;
}

export function createStepContext(stepId: string, deps: ContextDeps): StepContext<any> {
  const { store, effects, bus } = deps;
  const limit = pLimit(deps.concurrency);

  async function tryRead<T>(op: ReadOperation<T>): Promise<OperationResult<T>> {
    if (op.mutating) throw new EngineRuleError(`step ${stepId}: "${op.summary}" is mutating and cannot run as discovery`);
    const opId = deps.nextOpId(stepId);
    bus.emit({ type: 'op.start', step: stepId, item: null, opId, summary: op.summary, command: op.command, mutating: false });
    const result = (await executeOperation(op, effects)) as OperationResult<T>;
    // What a host answered is the guard's evidence: it goes to the transcript with the rest.
    emitOperationEnd(bus, stepId, null, opId, result);
    return result;
  }

  return {
    runId: store.state.runId,
    mode: deps.mode,
    params: deps.params,
    scope: deps.scope,
    poll: deps.poll,
    tryRead,
    async read<T>(op: ReadOperation<T>) {
      const result = await tryRead(op);
      if (!result.ok) throw new Error(`${op.summary} failed: ${result.error ?? 'unknown error'}`);
      return result as OperationResult<T> & { value: T };
    },
    get facts() {
      return store.state.facts;
    },
    async setFact(key, value) {
      store.state.facts[key] = value;
      await store.save();
    },
    artifacts: store.artifacts,
    note(message) {
      bus.emit({ type: 'note', step: stepId, level: 'info', message });
    },
    warn(message) {
      bus.emit({ type: 'note', step: stepId, level: 'warn', message });
    },
    mapLimit(items, fn) {
      return Promise.all(items.map((item) => limit(() => fn(item))));
    },
    hosts() {
      return effects.hosts.known();
    },
    heldBack(otherStep: string): HeldBack[] {
      return (store.state.facts[heldBackFactKey(otherStep)] as HeldBack[] | undefined) ?? [];
    },
  };
}
