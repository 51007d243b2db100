// `novaops run` / `novaops resume` and the session's start and resume go through one run service
// (src/cli/run-service.ts) and the engine's one resume check: a run that may not start or resume
// is refused in the same words, with the same exit code, whichever way the operator came. The
// fixture's cloud is unreachable, so each refusal here is also proved to come before the cloud is
// opened (an attempt to open it would fail on its database instead).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeError } from '../../src/cli/fail.js';
import { EventBus } from '../../src/engine/events.js';
import { Redactor } from '../../src/engine/redact.js';
import type { RunState } from '../../src/engine/run-state.js';
import { RunStore } from '../../src/engine/run-store.js';
import { TranscriptWriter } from '../../src/engine/transcript.js';
import { createUiRun } from '../../src/ui/run/ui-run.js';
import type { RunRequestInput, SessionServices } from '../../src/ui/session/services.js';
import { runCli } from '../support/cli.js';
import { fixtureServices, makeFixture, type Fixture } from '../ui/session-fixtures.js';

let fixture: Fixture;
let services: SessionServices;
const elsewhere = '20260101-040000-reset-state-dddd';

beforeAll(async () => {
  fixture = await makeFixture();
  services = await fixtureServices(fixture);
  // An interrupted run of another cloud in the same state directory.
  const state: RunState = {
    runId: elsewhere,
    runbook: 'reset-state',
    version: '1',
    params: { instances: ['web-1'] },
    mode: 'live',
    scope: { kind: 'cloud' },
    cloud: 'other-cloud',
    operator: 'oncall',
    host: 'jump1',
    pid: process.pid,
    status: 'aborted',
    createdAt: '2026-01-01T04:00:00.000Z',
    updatedAt: '2026-01-01T04:00:00.000Z',
    attempts: 1,
    steps: {},
    facts: {},
  };
  const store = await RunStore.create(fixture.stateDir, state);
  const transcript = new TranscriptWriter(store, new Redactor([]));
  const bus = new EventBus();
  bus.subscribe((event) => transcript.write(event));
  bus.emit({ type: 'run.start', runId: elsewhere, runbook: 'reset-state', version: '1', params: state.params, mode: 'live', scope: null, operator: 'oncall', host: 'jump1', cloud: 'other-cloud', resumed: false, attempt: 1 });
  transcript.close();
  await store.close();
});
afterAll(async () => {
  await fixture?.cleanup();
});

/** The session's refusal as the CLI would print it: the same words and hint, and its exit code. */
async function sessionRefusal(going: (ui: ReturnType<typeof createUiRun>['deps']) => Promise<unknown>): Promise<{ text: string; code: number }> {
  const ui = createUiRun();
  try {
    const outcome = await going(ui.deps).then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    if (outcome.ok) throw new Error(`the session was not refused: ${JSON.stringify(outcome.result)}`);
    const code = (outcome.error as { exitCode?: number }).exitCode;
    return { text: describeError(outcome.error), code: code ?? -1 };
  } finally {
    ui.dispose();
  }
}

async function cliRefusal(args: string[]): Promise<{ text: string; code: number | null }> {
  const r = await runCli(['--config', fixture.configFile, ...args], fixture.env as Record<string, string>);
  expect(r.stdout).toBe('');
  return { text: r.stderr.trimEnd(), code: r.code };
}

describe('resume: the engine check, asked the same way by the CLI and the session', () => {
  for (const [label, runOf, words] of [
    ['a dry-run', (f: Fixture) => f.runs.dryRun, /was a dry-run; there is nothing to resume\n {2}what to do: start a live run with novaops run drp$/],
    ['a completed run', (f: Fixture) => f.runs.completed, /ended completed; only interrupted, failed, aborted or blocked live runs resume\n {2}what to do: novaops transcripts show /],
    ['a run of another cloud', () => elsewhere, /was on cloud "other-cloud", but the config names cloud "practice"\n {2}what to do: resume it with the config of cloud "other-cloud"/],
  ] as const) {
    test(`${label}: exit 2, the same refusal, before the cloud is opened`, async () => {
      const runId = runOf(fixture);
      const cli = await cliRefusal(['resume', runId, '--yes']);
      const session = await sessionRefusal((ui) => services.resumeRun(runId, ui));
      expect(cli.code, cli.text).toBe(2);
      expect(session.code).toBe(2);
      expect(cli.text).toMatch(new RegExp(`^novaops: run ${runId} `));
      expect(cli.text).toMatch(words);
      expect(session.text).toBe(cli.text);
    });
  }
});

describe('start: the request checked by the same service before anything is read', () => {
  test('a rehearsal target of the wrong form: exit 2, the same refusal', async () => {
    const request: RunRequestInput = { runbook: 'drp', values: {}, mode: 'dry-run', testScope: 'web 1;reboot' };
    const cli = await cliRefusal(['run', 'drp', '--dry-run', '--test-instance', request.testScope!]);
    const session = await sessionRefusal((ui) => services.startRun(request, ui));
    expect(cli.code, cli.text).toBe(2);
    expect(session.code).toBe(2);
    expect(cli.text).toMatch(/--test-instance/);
    expect(session.text).toBe(cli.text);
  });
});
