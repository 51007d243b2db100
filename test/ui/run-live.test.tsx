// The run screen answering the real engine on a lab rehearsal (drp --test-instance): keys typed
// into the screen decide the run. A destructive step needs its word typed exactly (a wrong one
// is refused and nothing starts), `n` declines with exit 4 and nothing changed, and Ctrl-C asks,
// then stops after the reboot in flight, leaving a run that resumes without redoing anything.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { configSecrets } from '../../src/config/types.js';
import { Redactor } from '../../src/engine/redact.js';
import type { Runbook } from '../../src/engine/runbook.js';
import { startRun, type RunResult } from '../../src/engine/runner.js';
import type { ScenarioSummary } from '../../src/lab/index.js';
import { RunScreen } from '../../src/ui/run/run-screen.js';
import { createUiRun, type UiRun } from '../../src/ui/run/ui-run.js';
import { loadRunbook } from '../../runbooks/index.js';
import { checksums } from '../support/db-snapshot.js';
import { labEngine, type LabEngine } from '../support/engine.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { KEYS, renderAt, tick, waitUntil, type Rendered } from './run-harness.js';
import { rehearsalInstance as pickRehearsal } from '../support/rehearsal.js';

let lab: TestLab;
let engine: LabEngine;
let scenario: ScenarioSummary;
let drp: Runbook;

beforeEach(async () => {
  lab = await createTestLab();
  scenario = await lab.scenario('power-loss', { instances: 8, volumes: 12, seed: 3 });
  engine = await labEngine(lab);
  drp = (await loadRunbook('drp'))!;
});
afterEach(async () => {
  await engine?.close();
  await lab?.destroy();
});

const rehearsalInstance = () => pickRehearsal(scenario).uuid;

interface Session {
  run: UiRun;
  r: Rendered;
  done: Promise<RunResult>;
  result(): RunResult | undefined;
}

/** The engine's run with the screen's deps (events, prompter, stop), as the CLI wires them. */
function startOnScreen(target: string): Session {
  const run = createUiRun({ mode: 'live', steps: drp.steps.map((s) => ({ id: s.id, title: s.title })), batchMs: 50 });
  const r = renderAt(<RunScreen run={run} onExit={() => undefined} />, 100, 40);
  let result: RunResult | undefined;
  const done = startRun(
    { runbook: drp, params: {}, mode: 'live', testScope: target },
    { config: engine.config, effects: engine.effects, redactor: new Redactor(configSecrets(engine.config)), ...run.deps },
  ).then((res) => {
    result = res;
    r.ink.rerender(<RunScreen run={run} result={res} onExit={() => undefined} />);
    return res;
  });
  return { run, r, done, result: () => result };
}

/** Waits for the next question (by id) or the run's end. */
async function nextQuestion(s: Session, after: number): Promise<NonNullable<ReturnType<UiRun['view']>['confirmation']> | null> {
  await waitUntil(() => (s.run.view().confirmation?.id ?? 0) > after || s.result() !== undefined, 'a confirmation or the end', 60_000);
  const c = s.run.view().confirmation;
  if (!c) return null;
  await waitUntil(() => s.r.screen().includes(c.question.slice(0, 40)), 'the question on screen');
  // ink attaches a new prompt's key handler just after drawing it; a key in between is lost.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return c;
}

describe('run screen answering the engine', () => {
  test('a destructive step needs its word typed exactly: wrong is refused, right goes ahead (exit 0)', async () => {
    const target = rehearsalInstance();
    await lab.resetStats();
    const s = startOnScreen(target);
    let last = 0;
    const asked: string[] = [];
    for (let c = await nextQuestion(s, last); c; c = await nextQuestion(s, last)) {
      last = c.id;
      asked.push(c.step ?? '');
      // The word is the number of items the step changes, as the engine's question counts them.
      const count = /— (\d+) item\(s\)/.exec(c.question)?.[1];
      expect(c.typedWord, c.question).toBe(count);
      const screen = s.r.screen();
      expect(screen).toContain(`Type ${c.typedWord} (the number of items it changes)`);
      for (const line of c.details) expect(screen).toContain(line.slice(0, 60));
      if (asked.length === 1) {
        // A wrong word: refused, said so, and the question stays (nothing started).
        await s.r.type(...`${c.typedWord}0`.split(''), KEYS.enter);
        await waitUntil(() => s.r.screen().includes(`"${c.typedWord}0" is not ${c.typedWord}`), 'the refusal');
        expect(s.run.view().confirmation?.id).toBe(c.id);
        expect((await lab.stats()).mutatingRequests).toBe(0);
        // y is not the word either.
        await s.r.type('y', KEYS.enter);
        await waitUntil(() => s.r.screen().includes(`"y" is not ${c.typedWord}`), 'the second refusal');
        expect(s.run.view().confirmation?.id).toBe(c.id);
      }
      await s.r.type(...c.typedWord!.split(''), KEYS.enter);
    }
    const result = await s.done;
    expect(result.exitCode, result.summary).toBe(0);
    expect(asked).toEqual(['clean-db', 'reboot', 'reattach']);
    await waitUntil(() => s.r.screen().includes('COMPLETED (exit 0)'), 'the summary');
    expect((await lab.stats()).rebootsByServer).toEqual({ [target]: 1 });
    s.r.ink.unmount();
  });

  test('n at the first question declines: exit 4, nothing changed, the summary says how to resume', async () => {
    const target = rehearsalInstance();
    const before = await checksums(lab);
    await lab.resetStats();
    const s = startOnScreen(target);
    const c = await nextQuestion(s, 0);
    expect(c?.step).toBe('clean-db');
    await s.r.type('n');
    const result = await s.done;
    expect(result.exitCode).toBe(4);
    expect(result.outcome).toBe('aborted');
    await waitUntil(() => s.r.screen().includes('ABORTED (exit 4)'), 'the summary');
    const screen = s.r.screen();
    expect(screen).toContain(`next: novaops resume ${result.runId}`);
    expect(screen).toMatch(/confirm: no \(operator\)/);
    expect(await checksums(lab)).toEqual(before);
    expect((await lab.stats()).mutatingRequests).toBe(0);
    s.r.ink.unmount();
  });

  test('Ctrl-C asks, then stops after the reboot in flight (exit 4); the run resumes without a second reboot', async () => {
    const target = rehearsalInstance();
    await lab.setSettings({ rebootMs: 1500 });
    await lab.resetStats();
    const s = startOnScreen(target);
    let quits = 0;
    s.run.onQuit(() => quits++);
    let last = 0;
    for (let c = await nextQuestion(s, last); c && c.step !== 'reattach'; c = await nextQuestion(s, last)) {
      last = c.id;
      await s.r.type(...c.typedWord!.split(''), KEYS.enter);
      if (c.step === 'reboot') break;
    }
    // The reboot was asked for and the instance is still coming up (1.5 s): the item is in flight.
    await waitUntil(() => {
      const reboot = s.run.view().steps.find((st) => st.id === 'reboot');
      return !!reboot && reboot.startedItems === 1 && reboot.counts.done === 0;
    }, 'the reboot in flight');
    await s.r.type(KEYS.ctrlC);
    await waitUntil(() => s.r.screen().includes('Stop after the operations in flight? The run can be resumed (novaops resume '), 'the stop question');
    expect(s.run.deps.stop.aborted).toBe(false);
    await tick(100);
    await s.r.type('y');
    expect(s.run.deps.stop.aborted).toBe(true);
    await waitUntil(() => s.r.screen().includes('Stopping after the operations in flight'), 'the stopping line');
    expect(quits).toBe(0);
    // Ctrl-C again while stopping: quit at once (the CLI exits 130 there; here the listener counts).
    await s.r.type(KEYS.ctrlC);
    expect(quits).toBe(1);
    const result = await s.done;
    expect(result.exitCode).toBe(4);
    expect(result.outcome).toBe('aborted');
    await waitUntil(() => s.r.screen().includes(`next: novaops resume ${result.runId}`), 'the resume hint');
    s.r.ink.unmount();
    expect((await lab.stats()).rebootsByServer).toEqual({ [target]: 1 });

    const resumed = await engine.resume(drp, result.runId);
    expect(resumed.exitCode, resumed.summary).toBe(0);
    expect((await lab.stats()).rebootsByServer).toEqual({ [target]: 1 });
  });
});
