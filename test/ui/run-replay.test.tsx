// The run screen fed the events of real drp runs on a lab (a whole-cloud dry-run, then the live
// run with a held-back volume), recorded from the engine and replayed as `transcripts replay`
// does: the dry-run banner on every frame, step statuses, held-back items named, progress
// counts, finished items once each, and nothing wider than an 80-column terminal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.js';
import { RunScreen } from '../../src/ui/run/run-screen.js';
import { createUiRun, type UiRun } from '../../src/ui/run/ui-run.js';
import { loadRunbook } from '../../runbooks/index.js';
import type { ScenarioSummary } from '../../src/lab/index.js';
import { labEngine, type CollectedRun, type LabEngine } from '../support/engine.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { KEYS, plain, renderAt, tick, waitUntil, type Rendered } from './run-harness.js';

let lab: TestLab;
let engine: LabEngine;
let scenario: ScenarioSummary;
let dryRun: CollectedRun;
let liveRun: CollectedRun;
let outline: { id: string; title: string }[];

beforeAll(async () => {
  lab = await createTestLab();
  scenario = await lab.scenario('power-loss', { instances: 20, volumes: 30, liveSession: true, seed: 11 });
  engine = await labEngine(lab);
  const drp = (await loadRunbook('drp'))!;
  outline = drp.steps.map((s) => ({ id: s.id, title: s.title }));
  dryRun = await engine.run(drp, { mode: 'dry-run' });
  liveRun = await engine.run(drp);
});
afterAll(async () => {
  await engine?.close();
  await lab?.destroy();
});

function within<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms))]);
}

/** Feeds events in batches of `batch`, letting ink draw a frame after each (as the timer would). */
async function replay(run: UiRun, events: readonly EngineEvent[], batch = 4, until?: (e: EngineEvent) => boolean): Promise<number> {
  let i = 0;
  for (; i < events.length; i++) {
    run.feed(events[i]);
    if (until?.(events[i])) break;
    if (i % batch === batch - 1) {
      run.flush();
      await tick(1);
    }
  }
  run.flush();
  await tick(30);
  return i + 1;
}

function screen(columns = 100, rows = 40, mode?: 'dry-run' | 'live', debug = true): { run: UiRun; r: Rendered } {
  const run = createUiRun({ steps: outline, mode, batchMs: 1_000_000 });
  const r = renderAt(<RunScreen run={run} onExit={() => undefined} />, columns, rows, debug);
  return { run, r };
}

describe('run screen on recorded drp events', () => {
  it('the recorded runs are what the screen is tested on', () => {
    expect(dryRun.outcome).toBe('planned');
    // The recorded drp run held a volume with a live iSCSI session back: completed, not all of it done.
    expect(liveRun.outcome, liveRun.summary).toBe('completed-held-back');
    expect(dryRun.events.filter((e) => e.type === 'op.planned').length).toBeGreaterThan(20);
    expect(liveRun.events.filter((e) => e.type === 'item').length).toBeGreaterThan(20);
  });

  it('shows the DRY-RUN banner on every frame of a dry-run, and what it planned', async () => {
    // The mode is known before the engine's first event (the CLI's --dry-run), so even the first frame has it.
    const { run, r } = screen(100, 40, 'dry-run');
    await replay(run, dryRun.events);
    r.ink.unmount();
    const frames = r.contentFrames();
    expect(frames.length).toBeGreaterThan(20);
    const withoutBanner = frames.filter((f) => !f.includes('DRY-RUN — nothing will be changed'));
    expect(withoutBanner).toEqual([]);
    const last = r.screen();
    expect(last).toContain('PLANNED');
    expect(last).toMatch(/plan: openstack server reboot --hard/);
    expect(last).toContain('nothing was changed; run it without --dry-run');
    // Every step drp started was planned, none executed; the optional SSH reboot (not asked for) was passed over.
    const started = new Set(dryRun.events.flatMap((e) => (e.type === 'step.start' ? [e.step] : [])));
    expect(started.size).toBeGreaterThan(3);
    for (const s of outline) {
      const status = started.has(s.id) ? 'PLANNED' : 'SKIPPED';
      expect(last).toMatch(new RegExp(`${status}\\s+\\d+\\. ${s.title.slice(0, 30).replace(/[()]/g, '.')}`));
    }
    expect(last).not.toMatch(/DONE/);
  });

  it('follows a live run: statuses, the held-back volume named, progress and the summary', async () => {
    const { run, r } = screen();
    const rebootStep = 'reboot';
    const rebootItems = liveRun.events.filter((e) => e.type === 'item' && e.step === rebootStep).length;
    const plannedReboots = new Set(liveRun.events.flatMap((e) => (e.type === 'op.planned' && e.step === rebootStep ? [e.item] : []))).size;
    expect(rebootItems).toBe(plannedReboots);
    expect(rebootItems).toBeGreaterThan(5);
    // Halfway through the reboots: a partial count, a rate and an ETA; later steps still pending.
    let seen = 0;
    await replay(run, liveRun.events, 4, (e) => e.type === 'item' && e.step === rebootStep && ++seen === Math.floor(rebootItems / 2));
    let frame = r.screen();
    expect(frame).toMatch(/▸ RUNNING\s+\d+\. /);
    expect(frame).toContain(`${Math.floor(rebootItems / 2)}/${rebootItems} · `);
    expect(frame).toMatch(/\/s · ETA /);
    expect(frame).toMatch(/· PENDING\s+\d+\. /);
    expect(run.view().steps.find((s) => s.id === 'preflight')?.status).toBe('done');

    await replay(run, liveRun.events.slice(liveRun.events.findIndex((e) => e.type === 'item' && e.step === rebootStep && e === liveRun.events.filter((x) => x.type === 'item' && x.step === rebootStep)[Math.floor(rebootItems / 2) - 1]) + 1));
    r.ink.unmount();
    frame = r.screen();
    expect(frame).toMatch(new RegExp(`DONE\\s+\\d+\\. Restart the instances.* — ${rebootItems} done, 0 failed`));
    expect(frame).toMatch(/COMPLETED, 1 HELD BACK: completed, 1 held back, not done:/);
    expect(frame).toMatch(/held back clean:\S+[\s│]+volume \S+ still has live iSCSI session/);
    const started = new Set(liveRun.events.flatMap((e) => (e.type === 'step.start' ? [e.step] : [])));
    expect(run.view().steps.map((s) => s.status)).toEqual(outline.map((s) => (started.has(s.id) ? 'done' : 'skipped')));
    // The guard's held-back volume is named on its step and in the log.
    const live = scenario.liveSessionVolume!;
    expect(frame).toContain(`held back: clean:${live.volume}`);
    expect(frame).toMatch(new RegExp(`HELD\\s+clean:${live.volume}:${live.instance}:\\s+volume\\s+${live.volume}\\s+still`));
    // Finished items went to <Static>: each printed once, never redrawn into a later frame twice.
    const itemEvents = liveRun.events.filter((e) => e.type === 'item');
    const itemLines = frame.split('\n').filter((l) => /^\s+(DONE|FAILED|HELD|SKIPPED)\s/.test(l));
    expect(itemLines.length).toBe(itemEvents.length);
  });

  it('fits an 80-column terminal on every frame', async () => {
    const { run, r } = screen(80, 24);
    await replay(run, liveRun.events, 8);
    const { run: dry, r: dr } = screen(80, 24, 'dry-run');
    await replay(dry, dryRun.events, 8);
    r.ink.unmount();
    dr.ink.unmount();
    const wide = [...r.frames, ...dr.frames].flatMap((f) => plain(f).split('\n')).filter((l) => [...l].length > 80);
    expect(wide).toEqual([]);
  });

  it('keeps the live area shorter than a 24-row terminal, so ink never clears the screen to redraw', async () => {
    // A taller live area makes ink clear the terminal and reprint every finished line on each frame.
    const { run, r } = screen(80, 24, 'live', false);
    await replay(run, liveRun.events, 3);
    r.ink.unmount();
    const clears = r.frames.filter((f) => f.includes('\x1b[2J'));
    expect(clears).toEqual([]);
    expect(r.frames.join('')).toContain('COMPLETED');
  });

  it('shows an operation in flight with its exact command line and latest output', async () => {
    const { run, r } = screen();
    const start = liveRun.events.findIndex((e) => e.type === 'op.start' && e.step === 'reboot');
    const op = liveRun.events[start] as Extract<EngineEvent, { type: 'op.start' }>;
    await replay(run, liveRun.events.slice(0, start + 1), 50);
    run.feed({ ts: op.ts, seq: op.seq, type: 'op.output', opId: op.opId, stream: 'stdout', chunk: 'HTTP 202 Accepted\n' });
    run.flush();
    await tick(30);
    const frame = r.screen();
    r.ink.unmount();
    expect(frame).toMatch(/In flight \(1\):/);
    expect(frame).toContain(`$ ${op.command}`.slice(0, 90));
    expect(op.command).toMatch(/^openstack server reboot --hard /);
    expect(frame).toContain('HTTP 202 Accepted');
  });

  it('a read-only session shows READ-ONLY (and DRY-RUN) on every frame', async () => {
    const run = createUiRun({ steps: outline, mode: 'dry-run', readOnly: true, batchMs: 1_000_000 });
    const r = renderAt(<RunScreen run={run} onExit={() => undefined} />, 80, 24);
    await replay(run, dryRun.events, 6);
    r.ink.unmount();
    const frames = r.contentFrames();
    expect(frames.length).toBeGreaterThan(10);
    expect(frames.filter((f) => !f.includes('READ-ONLY') || !f.includes('DRY-RUN — nothing will be changed'))).toEqual([]);
  });

  it('at a question, Esc answers no, and Ctrl-C answers no (the plain CLI does the same)', async () => {
    const { run, r } = screen();
    const first = liveRun.events.findIndex((e) => e.type === 'confirm');
    const asked = liveRun.events[first] as Extract<EngineEvent, { type: 'confirm' }>;
    await replay(run, liveRun.events.slice(0, first), 50);
    const esc = run.deps.prompter.confirm(asked.question, ['what will change']);
    await waitUntil(() => r.screen().includes('what will change'), 'the question');
    await tick(100);
    expect(run.view().confirmation?.typedWord).toMatch(/^\d+$/);
    await r.type(KEYS.escape);
    expect(await within(esc, 'the answer to Esc')).toEqual({ answer: false, how: 'operator' });
    const ctrlC = run.deps.prompter.confirm(asked.question, ['what will change']);
    await waitUntil(() => run.view().confirmation !== null && r.screen().includes('what will change'), 'the question again');
    await tick(100);
    await r.type(KEYS.ctrlC);
    expect(await within(ctrlC, 'the answer to Ctrl-C')).toEqual({ answer: false, how: 'operator (Ctrl-C)' });
    // Ctrl-C with no question up asks before stopping anything.
    await r.type(KEYS.ctrlC);
    await waitUntil(() => r.screen().includes('Stop after the operations in flight?'), 'the stop question');
    expect(run.deps.stop.aborted).toBe(false);
    await tick(100);
    await r.type('n');
    await waitUntil(() => !r.screen().includes('Stop after the operations in flight?'), 'the question gone');
    expect(run.deps.stop.aborted).toBe(false);
    r.ink.unmount();
  });
});
