// Runs a runbook: steps in order (invariant 1), each only after every earlier non-optional step
// completed; live runs hold the cloud's lock; everything goes to the event stream, which the
// transcript records. Also resumes an interrupted run from its state and journal.
import { hostname, userInfo } from 'node:os';
import type { NovaopsConfig } from '../config/types.js';
import type { Effects } from '../effects/types.js';
import { ExitCode, NovaopsError, UsageError } from './errors.js';
import { EventBus, type RunOutcome } from './events.js';
import { messageOf } from './execute-operation.js';
import { acquireRunLock, type RunLock } from './lock.js';
import type { Prompter } from './prompter.js';
import type { Redactor } from './redact.js';
import type { RunMode, Runbook, Scope } from './runbook.js';
import { newRunId, RunStore, type RunState } from './run-store.js';
import { createStepContext } from './step-context.js';
import { runStep } from './step-runner.js';
import { lastSeq, readTranscript, TranscriptWriter } from './transcript.js';

export interface RunRequest {
  runbook: Runbook;
  params: unknown;
  mode: RunMode;
  /** --test-instance as the operator typed it (uuid or name). */
  testInstance?: string;
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
}

export interface RunResult {
  runId: string;
  runDir: string;
  outcome: RunOutcome;
  exitCode: number;
  transcript: string;
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
  const { runbook } = request;
  const state: RunState = {
    runId: newRunId(runbook.id),
    runbook: runbook.id,
    version: runbook.version,
    params: request.params,
    mode: request.mode,
    scope: null,
    cloud: deps.config.cloudName,
    operator: operatorName(),
    host: hostname(),
    pid: process.pid,
    status: 'running',
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    attempts: 1,
    steps: Object.fromEntries(runbook.steps.map((s) => [s.id, { status: 'pending' }])),
    facts: {},
  };
  const store = await RunStore.create(deps.config.stateDir, state);
  return drive(runbook, store, deps, request.testInstance, 0);
}

export async function resumeRun(runbook: Runbook, store: RunStore, deps: RunDeps): Promise<RunResult> {
  if (store.state.mode !== 'live') {
    throw new UsageError(`run ${store.state.runId} was a dry-run; there is nothing to resume`, `start a live run with novaops run ${runbook.id}`);
  }
  if (store.state.status === 'completed') {
    throw new UsageError(`run ${store.state.runId} already completed`, 'novaops transcripts show ' + store.state.runId);
  }
  store.state.attempts += 1;
  store.state.pid = process.pid;
  store.state.status = 'running';
  const events = await readTranscript(store.transcriptPath).catch(() => []);
  return drive(runbook, store, deps, undefined, lastSeq(events));
}

async function drive(
  runbook: Runbook,
  store: RunStore,
  deps: RunDeps,
  testInstance: string | undefined,
  startSeq: number,
): Promise<RunResult> {
  const { state } = store;
  const bus = new EventBus(startSeq);
  const transcript = new TranscriptWriter(store.transcriptPath, deps.redactor);
  bus.subscribe((event) => transcript.write(event));
  deps.onBus?.(bus);
  const started = performance.now();
  const counts = { done: 0, failed: 0, held: 0, skipped: 0 };
  let lock: RunLock | undefined;
  let outcome: RunOutcome = 'completed';
  let exitCode: number = ExitCode.ok;
  let summary = '';
  let opCounter = 0;
  let stopError: NovaopsError | undefined;
  const scope: Scope = state.scope ? { instance: { uuid: state.scope.uuid, name: state.scope.name } } : {};

  const ctxDeps = {
    store,
    effects: deps.effects,
    bus,
    mode: state.mode,
    params: state.params,
    scope,
    concurrency: deps.config.api.concurrency,
    poll: deps.config.poll,
    nextOpId: (step: string) => `${step}#${++opCounter}`,
  };

  try {
    bus.emit({
      type: 'run.start',
      runId: state.runId,
      runbook: runbook.id,
      version: runbook.version,
      params: state.params,
      mode: state.mode,
      scope: state.scope ? { instance: state.scope.uuid, name: state.scope.name } : null,
      operator: state.operator,
      host: state.host,
      cloud: state.cloud,
      resumed: state.attempts > 1,
      attempt: state.attempts,
    });
    if (state.mode === 'live') {
      lock = await acquireRunLock(deps.effects.sql, deps.config.stateDir, state.cloud, {
        runId: state.runId,
        runbook: runbook.id,
        pid: process.pid,
        operator: state.operator,
        host: state.host,
        startedAt: new Date().toISOString(),
      });
    }
    if (testInstance !== undefined) {
      if (!runbook.supportsTestInstance || !runbook.resolveTestInstance) {
        throw new UsageError(`runbook ${runbook.id} has no test mode`, 'run it without --test-instance');
      }
      const resolved = await runbook.resolveTestInstance(createStepContext('scope', ctxDeps), testInstance);
      state.scope = { ref: testInstance, uuid: resolved.uuid, name: resolved.name };
      scope.instance = { uuid: resolved.uuid, name: resolved.name };
      bus.emit({ type: 'note', step: null, level: 'info', message: `test mode: scoped to instance ${resolved.name ?? ''} ${resolved.uuid}`.replace('  ', ' ') });
    }
    await store.save();

    let blockingFailure = false;
    for (const [index, step] of runbook.steps.entries()) {
      const stepState = state.steps[step.id] ?? (state.steps[step.id] = { status: 'pending' });
      if (stepState.status === 'done' || stepState.status === 'skipped') continue;
      if (step.optional && step.enabled && !step.enabled(state.params)) {
        Object.assign(stepState, { status: 'skipped', detail: 'not enabled' });
        continue;
      }
      if (blockingFailure) break;

      bus.emit({ type: 'step.start', step: step.id, title: step.title, index, optional: step.optional ?? false, warnings: step.warnings ?? [] });
      const stepStarted = performance.now();
      Object.assign(stepState, { status: 'running', startedAt: new Date().toISOString() });
      await store.save();
      const ctx = createStepContext(step.id, ctxDeps);
      let result;
      try {
        result = await runStep(step, index, ctx, { ...ctxDeps, prompter: deps.prompter, stop: deps.stop });
      } catch (error) {
        if (error instanceof NovaopsError) {
          // A refusal (engine rule, bad input found by a step) ends the run; the step still closes.
          Object.assign(stepState, { status: 'failed', detail: error.message, endedAt: new Date().toISOString() });
          bus.emit({ type: 'step.end', step: step.id, outcome: 'failed', detail: error.message, durationMs: Math.round(performance.now() - stepStarted) });
          throw error;
        }
        result = { outcome: 'failed' as const, detail: messageOf(error), counts: { done: 0, failed: 0, held: 0, skipped: 0 } };
      }
      for (const k of Object.keys(counts) as (keyof typeof counts)[]) counts[k] += result.counts[k];
      const stepOutcome = result.outcome === 'aborted' ? 'failed' : result.outcome;
      Object.assign(stepState, { status: stepOutcome === 'planned' ? 'planned' : stepOutcome, detail: result.detail, endedAt: new Date().toISOString() });
      await store.save();
      bus.emit({ type: 'step.end', step: step.id, outcome: stepOutcome, detail: result.detail, durationMs: Math.round(performance.now() - stepStarted) });

      if (result.outcome === 'aborted') {
        outcome = 'aborted';
        exitCode = ExitCode.aborted;
        summary = `stopped at step ${index} (${step.title}): ${result.detail} — novaops resume ${state.runId} goes on from here`;
        break;
      }
      if (result.outcome === 'blocked') {
        outcome = 'blocked';
        exitCode = ExitCode.refused;
        summary = `blocked at step ${index} (${step.title}): ${result.detail}`;
        break;
      }
      if (result.outcome === 'failed') {
        outcome = 'failed';
        exitCode = ExitCode.failed;
        summary = `step ${index} (${step.title}) failed: ${result.detail}`;
        if (!step.optional) blockingFailure = true;
      }
    }
    if (state.mode === 'dry-run' && outcome === 'completed') {
      outcome = 'planned';
      summary = 'dry-run: the plan above was built from live reads; nothing was changed';
    } else if (outcome === 'completed') {
      summary = `completed: ${counts.done} item(s) done, ${counts.held} held back, ${counts.skipped} already done earlier`;
    } else if (outcome === 'failed') {
      summary += ` — finish it with: novaops resume ${state.runId}`;
    }
  } catch (error) {
    if (error instanceof NovaopsError) {
      stopError = error;
      exitCode = error.exitCode;
      // Bad input and refusals changed nothing; an engine-rule breach is a failed run.
      outcome = error.exitCode === ExitCode.failed ? 'failed' : 'refused';
      summary = error.hint ? `${error.message} — ${error.hint}` : error.message;
    } else {
      outcome = 'failed';
      exitCode = ExitCode.failed;
      summary = `${messageOf(error)} — novaops resume ${state.runId} continues from here`;
    }
  } finally {
    state.status = outcome;
    await store.save().catch(() => undefined);
    bus.emit({
      type: 'run.end',
      outcome,
      summary,
      durationMs: Math.round(performance.now() - started),
      counts,
      apiRequests: deps.effects.openstack.requestCounts(),
      runDir: store.dir,
    });
    transcript.close();
    await store.close().catch(() => undefined);
    await lock?.release();
  }
  return { runId: state.runId, runDir: store.dir, outcome, exitCode, transcript: store.transcriptPath, error: stopError };
}
