// What a step sees of the world: read-only execution, facts, artifacts, notes. Mutating work is
// returned as plan items and executed by the runner, never from here.
import pLimit from 'p-limit';
import type { Effects } from '../effects/types.js';
import { EngineRuleError } from './errors.js';
import { emitOperationEnd, retryEvents, type EventBus } from './events.js';
import { executeOperation, messageOf } from './execute-operation.js';
import type { OperationResult, ReadOperation } from '../operations/types.js';
import { DEFAULT_NOVA_CONF_FILES } from '../operations/nova-conf.js';
import type { HeldBack, PriorRun, RunMode, Scope, StepContext } from './runbook.js';
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
  /** The config's `root:` of a host ('/' when absent, or when it has none). */
  hostRoot?(host: string): string;
  /** The config's `nova_conf:` of a host (absent: the distribution's defaults). */
  hostNovaConf?(host: string): readonly string[] | undefined;
  /** Abandoned runs of this runbook on this cloud since its last completed one, newest first. */
  predecessors(): Promise<PriorRun[]>;
}

export function heldBackFactKey(stepId: string): string {
  return `held:${stepId}`;
}

type ReaderDeps = Pick<ContextDeps, 'effects' | 'bus' | 'nextOpId'>;

/** Read-only execution for discovery: a mutating operation is refused whoever asks. */
function createReader(stepId: string, deps: ReaderDeps): Pick<StepContext, 'read' | 'tryRead'> {
  async function tryRead<T>(op: ReadOperation<T>): Promise<OperationResult<T>> {
    if (op.mutating) throw new EngineRuleError(`step ${stepId}: "${op.summary}" is mutating and cannot run as discovery`);
    const opId = deps.nextOpId(stepId);
    deps.bus.emit({ type: 'op.start', step: stepId, item: null, opId, summary: op.summary, command: op.command, mutating: false });
    let result: OperationResult<T>;
    try {
      result = (await executeOperation(op, deps.effects, retryEvents(deps.bus, stepId, null, opId, op.summary))) as OperationResult<T>;
    } catch (error) {
      // Refused at execution (the shell policy): the transcript still shows how the operation ended.
      deps.bus.emit({ type: 'op.end', step: stepId, item: null, opId, ok: false, durationMs: 0, error: messageOf(error) });
      throw error;
    }
    // What a host answered is the guard's evidence: it goes to the transcript with the rest.
    emitOperationEnd(deps.bus, stepId, null, opId, result);
    return result;
  }
  return {
    tryRead,
    async read<T>(op: ReadOperation<T>) {
      const result = await tryRead(op);
      if (!result.ok) throw new Error(`${op.summary} failed: ${result.error ?? 'unknown error'}`);
      return result as OperationResult<T> & { value: T };
    },
  };
}

/**
 * What resolving a test scope may use, before the run's directory exists: reads, notes, nothing
 * that would persist (there is nowhere to persist to yet, and nothing should be).
 */
export function createLookupContext(runId: string, deps: Omit<ContextDeps, 'store' | 'predecessors'>): StepContext<any> {
  const stepId = 'scope';
  const unavailable = (what: string) => () => {
    throw new EngineRuleError(`${what} is not available while the test scope is resolved (the run does not exist yet)`);
  };
  const limit = pLimit(deps.concurrency);
  return {
    runId,
    mode: deps.mode,
    params: deps.params,
    scope: {},
    poll: deps.poll,
    ...createReader(stepId, deps),
    facts: {},
    setFact: unavailable('setFact'),
    get artifacts(): never {
      return unavailable('artifacts')();
    },
    note: (message) => deps.bus.emit({ type: 'note', step: stepId, level: 'info', message }),
    warn: (message) => deps.bus.emit({ type: 'note', step: stepId, level: 'warn', message }),
    mapLimit: (items, fn) => Promise.all(items.map((item) => limit(() => fn(item)))),
    hosts: () => deps.effects.hosts.known(),
    hostRoot: (host) => deps.hostRoot?.(host) ?? '/',
    hostNovaConf: (host) => deps.hostNovaConf?.(host) ?? DEFAULT_NOVA_CONF_FILES,
    heldBack: () => [],
    cells: deps.effects.cells,
    predecessors: async () => [],
  };
}

export function createStepContext(stepId: string, deps: ContextDeps): StepContext<any> {
  const { store, effects, bus } = deps;
  const limit = pLimit(deps.concurrency);

  return {
    runId: store.state.runId,
    mode: deps.mode,
    params: deps.params,
    scope: deps.scope,
    poll: deps.poll,
    ...createReader(stepId, deps),
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
    hostRoot: (host) => deps.hostRoot?.(host) ?? '/',
    hostNovaConf: (host) => deps.hostNovaConf?.(host) ?? DEFAULT_NOVA_CONF_FILES,
    heldBack(otherStep: string): HeldBack[] {
      return (store.state.facts[heldBackFactKey(otherStep)] as HeldBack[] | undefined) ?? [];
    },
    cells: effects.cells,
    predecessors: () => deps.predecessors(),
  };
}
