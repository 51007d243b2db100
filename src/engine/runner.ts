// Runs a runbook: steps in order (invariant 1), each only after every earlier non-optional step
// completed; live runs hold the cloud's lock; everything goes to the event stream, which the
// transcript records. Also resumes an interrupted run from its state and journal.
//
// A new run is admitted before it exists on disk (invariant 14): the lock is taken, unfinished
// runs of the same runbook are looked for (invariant 15) and the test scope is resolved, and only
// then is the run directory created, with its scope in it. A refusal before that point leaves no
// run directory; it is recorded in the refused process's output and in refusals.jsonl.
import { hostname, userInfo } from 'node:os';
import type { NovaopsConfig } from '../config/types.js';
import type { DurableFs } from '../effects/files/durable-write.js';
import type { Effects } from '../effects/types.js';
import { EngineRuleError, ExitCode, NovaopsError, ReadOnlyRefusal, readOnlyRefusal, UsageError } from './errors.js';
import { CloudUnreachableError } from '../effects/retry-policy.js';
import { EventBus, notApplicable, type EngineEvent, type RunOutcome, type WouldBlock } from './events.js';
import { messageOf } from './execute-operation.js';
import { acquireRunLock, type RunLock } from './lock.js';
import type { Prompter } from './prompter.js';
import type { Redactor } from './redact.js';
import { recordRefusal } from './refusals.js';
import { checkRunbook } from './runbook-rules.js';
import { checkResumable } from './resumable.js';
import { describeScope, scopeEvent, stepScope, type RunScope } from './run-state.js';
import type { RunMode, Runbook, Scope } from './runbook.js';
import { newRunId, RunStore, type RunState } from './run-store.js';
import { createLookupContext, createStepContext, type ContextDeps } from './step-context.js';
import { blockedOutcome, throughOutcome, trackHeldBack } from './run-outcome.js';
import { runStep } from './step-runner.js';
import { lastSeq, readTranscript, TranscriptWriter } from './transcript.js';
import { abandonedPredecessors, settleUnfinished, warnOfUnfinished } from './unfinished.js';

export interface RunRequest {
  runbook: Runbook;
  params: unknown;
  mode: RunMode;
  /** The rehearsal target as the operator typed it (--test-instance uuid|name, --test-host name). */
  testScope?: string;
  /** run --abandon-unfinished: give up the unfinished runs of this runbook (recorded in each), then run. */
  abandonUnfinished?: boolean;
}

export interface RunDeps {
  config: NovaopsConfig;
  effects: Effects;
  prompter: Prompter;
  redactor: Redactor;
  /** Presenters subscribe here before the run starts. */
  onBus?(bus: EventBus): void;
  /** Aborted when the operator asks to stop (Ctrl-C): no new item starts, in-flight ones finish. */
  stop?: AbortSignal;
  /** The file operations of the run directory (default node:fs); tests inject storage faults here. */
  files?: DurableFs;
}

export interface RunResult {
  runId: string;
  /** null when the run was refused before its directory was created. */
  runDir: string | null;
  outcome: RunOutcome;
  exitCode: number;
  transcript: string | null;
  /** The run.end summary: what happened and, when it did not complete, what to do next. */
  summary: string;
  /** The error that stopped the run before its steps could finish (bad input, refused): the CLI tells the operator on stderr. */
  error?: NovaopsError;
}

function operatorName(): string {
  try {
    return process.env.SUDO_USER || userInfo().username;
  } catch {
    return 'unknown';
  }
}

export async function startRun(request: RunRequest, deps: RunDeps): Promise<RunResult> {
  const { runbook, mode } = request;
  const runId = newRunId(runbook.id);
  const operator = operatorName();
  const host = hostname();
  const started = performance.now();
  const bus = new EventBus(0);
  deps.onBus?.(bus);
  // Events of the admission wait here until the run directory exists, or are dropped with it.
  const early: EngineEvent[] = [];
  let transcript: TranscriptWriter | undefined;
  bus.subscribe((event) => (transcript ? transcript.write(event) : early.push(event)));
  bus.emit({
    type: 'run.start',
    runId,
    runbook: runbook.id,
    version: runbook.version,
    params: request.params,
    mode,
    scope: request.testScope === undefined || !runbook.testScope ? null : { kind: runbook.testScope, ref: request.testScope },
    operator,
    host,
    cloud: deps.config.cloudName,
    resumed: false,
    attempt: 1,
  });

  let lock: RunLock | undefined;
  let store: RunStore;
  try {
    checkRunbook(runbook);
    if (mode === 'live' && deps.config.readOnly) throw readOnlyRefusal(`a live run of ${runbook.id}`, `novaops run ${runbook.id} --dry-run`);
    if (request.testScope !== undefined && (!runbook.testScope || !runbook.resolveTestScope)) {
      throw new UsageError(`runbook ${runbook.id} has no test mode`, 'run it without a test scope');
    }
    if (mode === 'live') {
      lock = await acquireRunLock(deps.effects.sql, deps.config.stateDir, deps.config.cloudName, { runId, runbook: runbook.id, pid: process.pid, operator, host, startedAt: new Date().toISOString() });
      await settleUnfinished({ stateDir: deps.config.stateDir, cloud: deps.config.cloudName, runbook: request.runbook, abandon: request.abandonUnfinished === true, redactor: deps.redactor }, lock, bus, { operator, host, runId });
    } else {
      await warnOfUnfinished({ stateDir: deps.config.stateDir, cloud: deps.config.cloudName, runbook: request.runbook }, bus);
    }
    let opCounter = 0;
    // Reads before the run directory exists: input the cloud must judge, then the test scope.
    const lookup = createLookupContext(runId, { ...contextBase(deps, bus, mode, request.params, {}), nextOpId: (step) => `${step}#${++opCounter}` });
    await runbook.checkInput?.(lookup, { testScope: request.testScope });
    const scope: RunScope =
      request.testScope === undefined ? { kind: 'cloud' } : { ref: request.testScope, ...(await runbook.resolveTestScope!(lookup, request.testScope)) };
    if (scope.kind !== 'cloud' && scope.kind !== runbook.testScope) {
      throw new EngineRuleError(`runbook ${runbook.id} resolved its ${runbook.testScope} test scope to a ${scope.kind}`);
    }
    const state: RunState = {
      runId,
      runbook: runbook.id,
      version: runbook.version,
      params: request.params,
      mode,
      scope,
      cloud: deps.config.cloudName,
      operator,
      host,
      pid: process.pid,
      status: 'running',
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      attempts: 1,
      steps: Object.fromEntries(runbook.steps.map((s) => [s.id, { status: 'pending' }])),
      facts: {},
    };
    store = await RunStore.create(deps.config.stateDir, state, deps.files);
    transcript = new TranscriptWriter(store, deps.redactor);
    for (const event of early.splice(0)) transcript.write(event);
    if (scope.kind !== 'cloud') bus.emit({ type: 'note', step: null, level: 'info', message: `test mode: scoped to ${describeScope(scope)}` });
  } catch (error) {
    await lock?.release();
    return refusedBeforeRun(error, { runId, runbook: runbook.id, mode, operator, host, started, bus, deps });
  }
  return drive(runbook, store, deps, { bus, transcript, lock, started });
}

export async function resumeRun(runbook: Runbook, store: RunStore, deps: RunDeps): Promise<RunResult> {
  const { state } = store;
  checkRunbook(runbook);
  checkResumable(state, deps.config.cloudName);
  // Before the lock, and without a word in refusals.jsonl: a read-only session writes nothing.
  if (deps.config.readOnly) throw readOnlyRefusal(`resuming run ${state.runId}`, `novaops transcripts show ${state.runId}`);
  const operator = operatorName();
  const host = hostname();
  let lock: RunLock;
  try {
    lock = await acquireRunLock(deps.effects.sql, deps.config.stateDir, state.cloud, { runId: state.runId, runbook: runbook.id, pid: process.pid, operator, host, startedAt: new Date().toISOString() });
  } catch (error) {
    // The holder may be driving this very run: not a byte of its directory is ours to write.
    await recordRefusal(deps.config.stateDir, { runId: state.runId, runbook: runbook.id, what: 'resume', operator, host, error });
    throw error;
  }
  let bus: EventBus;
  let transcript: TranscriptWriter;
  try {
    store.claim(lock);
    const events = await readTranscript(store.transcriptPath).catch((error: unknown) => {
      if (error instanceof NovaopsError) throw error;
      return []; // killed before its first event reached the disk
    });
    bus = new EventBus(lastSeq(events));
    deps.onBus?.(bus);
    transcript = new TranscriptWriter(store, deps.redactor);
    const writer = transcript;
    bus.subscribe((event) => writer.write(event));
  } catch (error) {
    await lock.release();
    throw error;
  }
  state.attempts += 1;
  state.pid = process.pid;
  state.status = 'running';
  bus.emit({
    type: 'run.start',
    runId: state.runId,
    runbook: runbook.id,
    version: runbook.version,
    params: state.params,
    mode: state.mode,
    scope: scopeEvent(state.scope),
    operator,
    host,
    cloud: state.cloud,
    resumed: true,
    attempt: state.attempts,
  });
  return drive(runbook, store, deps, { bus, transcript, lock, started: performance.now() });
}

/** Whoever shadows on-call may look at everything and change nothing. */
function contextBase(deps: RunDeps, bus: EventBus, mode: RunMode, params: unknown, scope: Scope): Omit<ContextDeps, 'store' | 'nextOpId' | 'predecessors'> {
  const hostRoot = (host: string) => deps.config.hosts[host]?.root ?? '/';
  const hostNovaConf = (host: string) => deps.config.hosts[host]?.novaConf;
  return { effects: deps.effects, bus, mode, params, scope, concurrency: deps.config.api.concurrency, poll: deps.config.poll, hostRoot, hostNovaConf };
}

interface RefusalContext {
  runId: string;
  runbook: string;
  mode: RunMode;
  operator: string;
  host: string;
  started: number;
  bus: EventBus;
  deps: RunDeps;
}

async function refusedBeforeRun(error: unknown, c: RefusalContext): Promise<RunResult> {
  const refusal =
    error instanceof NovaopsError
      ? error
      : new UsageError(`could not start the run: ${messageOf(error)}`, 'nothing was changed; check the cloud with novaops doctor, then run again');
  c.bus.emit({
    type: 'run.end',
    outcome: 'refused',
    summary: refusal.hint ? `${refusal.message} — ${refusal.hint}` : refusal.message,
    durationMs: Math.round(performance.now() - c.started),
    counts: { done: 0, failed: 0, held: 0, skipped: 0 },
    apiRequests: c.deps.effects.openstack.requestCounts(),
    runDir: null,
  });
  // A read-only session writes nothing at all, not even the record of its refusal.
  if (!(refusal instanceof ReadOnlyRefusal)) await recordRefusal(c.deps.config.stateDir, { runId: c.runId, runbook: c.runbook, what: `run (${c.mode})`, operator: c.operator, host: c.host, error: refusal });
  return { runId: c.runId, runDir: null, outcome: 'refused', exitCode: refusal.exitCode, transcript: null, summary: refusal.message, error: refusal };
}

interface Drive {
  bus: EventBus;
  transcript: TranscriptWriter;
  lock: RunLock | undefined;
  started: number;
}

async function drive(runbook: Runbook, store: RunStore, deps: RunDeps, { bus, transcript, lock, started }: Drive): Promise<RunResult> {
  const { state } = store;
  const counts = { done: 0, failed: 0, held: 0, skipped: 0 };
  let outcome: RunOutcome = 'completed';
  let exitCode: number = ExitCode.ok;
  let summary = '';
  let opCounter = 0;
  let stopError: NovaopsError | undefined;
  const heldBack = trackHeldBack(bus);
  const wouldBlock: (WouldBlock & { at: string })[] = [];

  const ctxDeps: ContextDeps = {
    ...contextBase(deps, bus, state.mode, state.params, stepScope(state.scope)),
    store,
    nextOpId: (step: string) => `${step}#${++opCounter}`,
    predecessors: () => abandonedPredecessors(deps.config.stateDir, runbook.id, state.cloud, state.runId),
  };

  try {
    await store.save();

    let blockingFailure = false;
    for (const [index, step] of runbook.steps.entries()) {
      const stepState = state.steps[step.id] ?? (state.steps[step.id] = { status: 'pending' });
      // Steps passed in an earlier attempt: done, not enabled, or not part of this run's procedure.
      if (stepState.status === 'done' || stepState.status === 'skipped' || stepState.status === 'not-applicable') continue;
      if (step.optional && step.enabled && !step.enabled(state.params)) {
        Object.assign(stepState, { status: 'skipped', detail: 'not enabled' });
        continue;
      }
      if (blockingFailure) break;
      if (step.appliesWhen && !step.appliesWhen.test(state.params)) {
        // Not planned, not guarded: said once, and passed for the order of the steps after it.
        Object.assign(stepState, { status: 'not-applicable', detail: notApplicable(step.appliesWhen.describe), endedAt: new Date().toISOString() });
        await store.save();
        bus.emit({ type: 'step.not-applicable', step: step.id, title: step.title, index, condition: step.appliesWhen.describe });
        continue;
      }

      bus.emit({ type: 'step.start', step: step.id, title: step.title, index, optional: step.optional ?? false, warnings: step.warnings ?? [] });
      const stepStarted = performance.now();
      Object.assign(stepState, { status: 'running', startedAt: new Date().toISOString() });
      await store.save();
      const ctx = createStepContext(step.id, ctxDeps);
      let result;
      try {
        result = await runStep(step, index, ctx, {
          ...ctxDeps,
          prompter: deps.prompter,
          stop: deps.stop,
          async beforeMutation() {
            // Durable before the first mutating operation: from here on the run blocks new ones (invariant 15).
            if (state.mutatingSince) return;
            state.mutatingSince = new Date().toISOString();
            await store.save();
          },
        });
      } catch (error) {
        if (error instanceof NovaopsError) {
          // A refusal (engine rule, bad input found by a step) ends the run; the step still closes.
          Object.assign(stepState, { status: 'failed', detail: error.message, endedAt: new Date().toISOString() });
          bus.emit({ type: 'step.end', step: step.id, outcome: 'failed', detail: error.message, durationMs: Math.round(performance.now() - stepStarted) });
          throw error;
        }
        result = { outcome: 'failed' as const, detail: messageOf(error), counts: { done: 0, failed: 0, held: 0, skipped: 0 }, phases: undefined };
      }
      for (const k of Object.keys(counts) as (keyof typeof counts)[]) counts[k] += result.counts[k];
      const stepOutcome = result.outcome === 'aborted' ? 'failed' : result.outcome;
      Object.assign(stepState, { status: stepOutcome === 'planned' ? 'planned' : stepOutcome, detail: result.detail, endedAt: new Date().toISOString() });
      await store.save();
      const stepWouldBlock = 'wouldBlock' in result && result.wouldBlock?.length ? result.wouldBlock : undefined;
      if (stepWouldBlock) wouldBlock.push(...stepWouldBlock.map((w) => ({ ...w, at: `step ${index} (${step.title})` })));
      bus.emit({
        type: 'step.end',
        step: step.id,
        outcome: stepOutcome,
        detail: result.detail,
        durationMs: Math.round(performance.now() - stepStarted),
        ...(result.phases ? { phases: result.phases } : {}),
        ...(stepWouldBlock ? { wouldBlock: stepWouldBlock } : {}),
      });

      if (result.outcome === 'aborted') {
        outcome = 'aborted';
        exitCode = ExitCode.aborted;
        summary = `stopped at step ${index} (${step.title}): ${result.detail} — novaops resume ${state.runId} goes on from here`;
        break;
      }
      if (result.outcome === 'blocked') {
        ({ outcome, summary } = blockedOutcome(state, `${index} (${step.title})`, result.detail));
        exitCode = ExitCode.refused;
        break;
      }
      if (result.outcome === 'failed') {
        outcome = 'failed';
        exitCode = ExitCode.failed;
        summary = `step ${index} (${step.title}) failed: ${result.detail}`;
        if (!step.optional) blockingFailure = true;
      }
    }
    if (outcome === 'completed') {
      ({ outcome, exitCode, summary } = throughOutcome(state.mode, heldBack.items(), wouldBlock, counts));
    } else if (outcome === 'failed') {
      summary += ` — finish it with: novaops resume ${state.runId}`;
    }
  } catch (error) {
    if (error instanceof NovaopsError) {
      stopError = error;
      exitCode = error.exitCode;
      // An engine-rule breach is a failed run. Bad input or a refusal on a run that never changed
      // anything ends it; once it has (or on a resume), it stays resumable after the repair.
      const untouched = state.attempts === 1 && !state.mutatingSince;
      outcome = error.exitCode === ExitCode.failed ? 'failed' : untouched ? 'refused' : 'blocked';
      summary = error instanceof CloudUnreachableError ? `${error.message} — novaops resume ${state.runId} continues from here` : error.hint ? `${error.message} — ${error.hint}` : error.message;
    } else {
      outcome = 'failed';
      exitCode = ExitCode.failed;
      summary = `${messageOf(error)} — novaops resume ${state.runId} continues from here`;
    }
  } finally {
    state.status = outcome;
    if (outcome === 'completed-held-back') state.heldBack = heldBack.items();
    await store.save().catch(() => undefined);
    bus.emit({
      type: 'run.end',
      outcome,
      summary,
      durationMs: Math.round(performance.now() - started),
      counts,
      apiRequests: deps.effects.openstack.requestCounts(),
      runDir: store.dir,
      heldBack: heldBack.items(),
      ...(wouldBlock.length ? { wouldBlock: wouldBlock.map(({ at: _, ...w }) => w) } : {}),
    });
    transcript.close();
    await store.close().catch(() => undefined);
    await lock?.release();
  }
  return { runId: state.runId, runDir: store.dir, outcome, exitCode, transcript: store.transcriptPath, summary, error: stopError };
}
