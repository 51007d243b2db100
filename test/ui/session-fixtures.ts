// Real run directories and transcripts for the session's component tests: written through the
// engine's RunStore and TranscriptWriter, with events stamped by its EventBus, next to a real
// config whose cloud is unreachable (so doctor's checks really fail, and nothing can change).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, type EngineEventBody } from '../../src/engine/events.js';
import { Redactor } from '../../src/engine/redact.js';
import type { RunState } from '../../src/engine/run-state.js';
import { RunStore } from '../../src/engine/run-store.js';
import { TranscriptWriter } from '../../src/engine/transcript.js';
import { createSessionServices } from '../../src/cli/session-services.js';
import type { SessionServices } from '../../src/ui/session/services.js';

export interface Fixture {
  dir: string;
  stateDir: string;
  configFile: string;
  env: NodeJS.ProcessEnv;
  runs: { dryRun: string; interrupted: string; completed: string };
  cleanup(): Promise<void>;
}

function runState(runId: string, runbook: string, over: Partial<RunState>): RunState {
  return {
    runId,
    runbook,
    version: '1',
    params: {},
    mode: 'live',
    scope: { kind: 'cloud' },
    cloud: 'practice',
    operator: 'oncall',
    host: 'jump1',
    pid: process.pid,
    status: 'completed',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    attempts: 1,
    steps: {},
    facts: {},
    ...over,
  };
}

/** A small run's events: start, one guarded step with two items, end. */
function runEvents(runId: string, runbook: string, mode: 'live' | 'dry-run', outcome: 'completed' | 'planned' | 'aborted'): EngineEventBody[] {
  return [
    { type: 'run.start', runId, runbook, version: '1', params: {}, mode, scope: null, operator: 'oncall', host: 'jump1', cloud: 'practice', resumed: false, attempt: 1 },
    { type: 'step.start', step: 'reboot', title: 'Hard reboot the instances', index: 1, optional: false, warnings: ['do NOT reboot a second time'] },
    { type: 'guard', step: 'reboot', name: 'nova-up', ok: true, detail: 'nova-compute up on 2 hosts', heldBack: [] },
    {
      type: 'op.planned',
      step: 'reboot',
      item: 'reboot:web-1',
      opId: 'reboot-1',
      op: { kind: 'api', summary: 'hard reboot web-1', command: 'openstack server reboot --hard web-1', mutating: true, target: { instance: 'web-1' }, method: 'POST', service: 'compute', path: '/servers/web-1/action' },
    },
    { type: 'item', step: 'reboot', key: 'reboot:web-1', status: 'done', detail: 'ACTIVE after 2.1 s' },
    { type: 'item', step: 'reboot', key: 'reboot:web-2', status: outcome === 'aborted' ? 'failed' : 'done', detail: outcome === 'aborted' ? 'stopped by the operator' : 'ACTIVE after 1.9 s' },
    { type: 'step.end', step: 'reboot', outcome: outcome === 'planned' ? 'planned' : outcome === 'aborted' ? 'failed' : 'done', detail: '2 instances', durationMs: 4100 },
    {
      type: 'run.end',
      outcome,
      summary: outcome === 'aborted' ? 'stopped by the operator; novaops resume finishes it' : 'all instances rebooted',
      durationMs: 4200,
      counts: { done: outcome === 'aborted' ? 1 : 2, failed: outcome === 'aborted' ? 1 : 0, held: 0, skipped: 0 },
      apiRequests: { 'POST compute/servers/{id}/action': 2 },
      runDir: null,
    },
  ];
}

async function recordRun(stateDir: string, state: RunState, events: EngineEventBody[]): Promise<void> {
  const store = await RunStore.create(stateDir, state);
  const transcript = new TranscriptWriter(store, new Redactor([]));
  const bus = new EventBus();
  bus.subscribe((event) => transcript.write(event));
  for (const body of events) bus.emit(body.type === 'run.end' ? { ...body, runDir: store.dir } : body);
  transcript.close();
  await store.close();
}

export async function makeFixture(options: { readOnly?: boolean } = {}): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'novaops-ui-'));
  const stateDir = join(dir, 'state');
  const cloudsYaml = join(dir, 'clouds.yaml');
  // Port 9 (discard) on loopback: nothing answers, so every check fails at once and no run can start.
  await writeFile(
    cloudsYaml,
    'clouds:\n  practice:\n    auth: { auth_url: "http://127.0.0.1:9/v3", username: admin, password: s3cret, project_name: admin, user_domain_name: Default, project_domain_name: Default }\n',
    { mode: 0o600 },
  );
  const configFile = join(dir, 'novaops.yaml');
  await writeFile(
    configFile,
    [
      'cloud: practice',
      `clouds_yaml: ${JSON.stringify(cloudsYaml)}`,
      `state_dir: ${JSON.stringify(stateDir)}`,
      ...(options.readOnly ? ['read_only: true'] : []),
      'databases:',
      '  nova: { url: "mysql://nova:s3cret@127.0.0.1:9/nova" }',
      '  cinder: { url: "mysql://cinder:s3cret@127.0.0.1:9/cinder" }',
      'hosts:',
      `  compute1: { via: ssh, address: 127.0.0.1, port: 9 }`,
      `  compute2: { via: ssh, address: 127.0.0.1, port: 9 }`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const runs = { dryRun: '20260101-010000-drp-aaaa', interrupted: '20260101-020000-reset-state-bbbb', completed: '20260101-030000-drp-cccc' };
  await recordRun(stateDir, runState(runs.dryRun, 'drp', { mode: 'dry-run', status: 'planned', createdAt: '2026-01-01T01:00:00.000Z' }), runEvents(runs.dryRun, 'drp', 'dry-run', 'planned'));
  await recordRun(
    stateDir,
    runState(runs.interrupted, 'reset-state', { status: 'aborted', createdAt: '2026-01-01T02:00:00.000Z', params: { instances: ['web-1'] } }),
    runEvents(runs.interrupted, 'reset-state', 'live', 'aborted'),
  );
  await recordRun(stateDir, runState(runs.completed, 'drp', { status: 'completed', createdAt: '2026-01-01T03:00:00.000Z' }), runEvents(runs.completed, 'drp', 'live', 'completed'));
  const env: NodeJS.ProcessEnv = { HOME: dir, PATH: process.env.PATH };
  return { dir, stateDir, configFile, env, runs, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The services `novaops` would build for this fixture's config. */
export function fixtureServices(fixture: Fixture): Promise<SessionServices> {
  return createSessionServices(fixture.configFile, fixture.env);
}

/**
 * Waits until `predicate` holds for the last frame, then a moment more: ink attaches the input
 * handlers of what it just drew in effects that run after the frame is written.
 */
export async function waitForFrame(lastFrame: () => string | undefined, predicate: (frame: string) => boolean, timeoutMs = 10_000): Promise<string> {
  const started = Date.now();
  for (;;) {
    const frame = lastFrame() ?? '';
    if (predicate(frame)) {
      await new Promise((r) => setTimeout(r, 60));
      return frame;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`frame never matched; last frame:\n${frame}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until `predicate` holds (for effects the frame does not show). */
export async function waitUntil(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition never held');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Key presses one by one, as a person types: a handler sees each after the previous one's render. */
export async function press(stdin: { write(data: string): void }, ...keys: string[]): Promise<void> {
  for (const key of keys) {
    stdin.write(key);
    await new Promise((r) => setTimeout(r, 80));
  }
}
