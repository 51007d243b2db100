// The one way a run is started or resumed: `novaops run`, `novaops resume` and the session's
// runbook page and home all come through here. A run is prepared before the cloud is opened —
// the runbook, its params and the rehearsal target checked (bad input: exit 2, nothing read), or
// the run to resume found and put to the engine's resume check — and then driven on a connected
// cloud with a presenter's side of the run (the run screen's, or the CLI's plain or JSON lines).
import type { NovaopsConfig } from '../config/types.js';
import { UsageError } from '../engine/errors.js';
import { checkResumable, latestResumable } from '../engine/resumable.js';
import type { RunMode, Runbook } from '../engine/runbook.js';
import { resumeRun, startRun, type RunResult } from '../engine/runner.js';
import { checkRunId, RunStore } from '../engine/run-store.js';
import type { UiRunDeps } from '../ui/run/ui-run.js';
import { loadRunbook } from '../../runbooks/index.js';
import { connectCloud, type CloudSession } from './cloud-session.js';
import { parseParams, testScopeRef } from './run-request.js';

/** A new run as the operator asked for it, on the command line or in the session's form. */
export interface StartRequest {
  /** The runbook, or its id in the catalogue. */
  runbook: Runbook | string;
  /** Option and argument values by spec key (the CLI's flags, the form's fields). */
  values: Record<string, unknown>;
  mode: RunMode;
  /** The rehearsal target as typed: an instance (uuid or name) or a host, as the runbook's test scope says. */
  testScope?: string;
  /** run --abandon-unfinished: give up (recorded) the unfinished runs of this runbook first. */
  abandonUnfinished?: boolean;
}

/** What the run screen knows before the engine starts: the mode (a dry-run's first frame says so) and the steps in order (those not reached yet are listed). */
export interface RunOutline {
  mode: RunMode;
  steps: readonly { id: string; title: string }[];
}

/** A run checked and ready: nothing has been read from the cloud yet. */
export interface PreparedRun {
  runbook: Runbook;
  outline: RunOutline;
  /** Starts or resumes it on a connected cloud, presented by `presenter`. */
  go(cloud: CloudSession, presenter: UiRunDeps): Promise<RunResult>;
}

export async function prepareStart(request: StartRequest): Promise<PreparedRun> {
  const runbook = typeof request.runbook === 'string' ? await knownRunbook(request.runbook) : request.runbook;
  const params = parseParams(runbook, request.values);
  const testScope = request.testScope === undefined ? undefined : testScopeRef(runbook.testScope === 'host' ? { testHost: request.testScope } : { testInstance: request.testScope });
  const { mode, abandonUnfinished } = request;
  return {
    runbook,
    outline: outlineOf(runbook, mode),
    go: (cloud, presenter) => startRun({ runbook, params, mode, testScope, abandonUnfinished: !!abandonUnfinished }, { ...depsOf(cloud), ...presenter }),
  };
}

/** The run to resume: the one named, or without a name the newest resumable one on the config's cloud. */
export async function prepareResume(config: Pick<NovaopsConfig, 'stateDir' | 'cloudName'>, runId: string | undefined): Promise<PreparedRun> {
  const id = runId === undefined ? await latestResumable(config.stateDir, config.cloudName) : checkRunId(runId);
  const store = await RunStore.open(config.stateDir, id);
  // The engine's check, asked before the cloud is opened; resumeRun asks it again before the lock.
  checkResumable(store.state, config.cloudName);
  const runbook = await loadRunbook(store.state.runbook);
  if (!runbook) throw new UsageError(`run ${id} used runbook '${store.state.runbook}', which this novaops does not have`);
  return {
    runbook,
    outline: outlineOf(runbook, 'live'),
    go: (cloud, presenter) => resumeRun(runbook, store, { ...depsOf(cloud), ...presenter }),
  };
}

/** Opens the config's cloud (proved reachable: exit 2 when not) for `use`, and closes it after, whatever happens. */
export async function withCloud<T>(config: NovaopsConfig, use: (cloud: CloudSession) => Promise<T>): Promise<T> {
  const cloud = await connectCloud(config);
  try {
    return await use(cloud);
  } finally {
    await cloud.close();
  }
}

async function knownRunbook(id: string): Promise<Runbook> {
  const runbook = await loadRunbook(id);
  if (!runbook) throw new UsageError(`unknown runbook ${id}`);
  return runbook;
}

function outlineOf(runbook: Runbook, mode: RunMode): RunOutline {
  return { mode, steps: runbook.steps.map((s) => ({ id: s.id, title: s.title })) };
}

function depsOf(cloud: CloudSession) {
  return { config: cloud.config, effects: cloud.effects, redactor: cloud.redactor };
}
