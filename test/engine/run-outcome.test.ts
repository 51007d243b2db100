// How a run ends, through the real runner on a lab (real MariaDB, real subprocesses on a simulated
// host): a run that held items back is not "completed" (exit 5, each item named, finished); a
// dry-run plans past a failed guard and still exits 3; a guard that refuses a run that changed
// nothing ends it "refused" (exit 3), one that refuses a run that had changed something "blocked".
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { EngineEvent } from '../../src/engine/events.js';
import { ExitCode } from '../../src/engine/errors.js';
import { checkResumable } from '../../src/engine/resumable.js';
import type { Guard, Runbook, Step } from '../../src/engine/runbook.js';
import { RunStore } from '../../src/engine/run-store.js';
import type { ShellOperation } from '../../src/operations/types.js';
import { labEngine, type LabEngine } from '../support/engine.js';
import { createTestLab, type TestLab } from '../support/lab.js';

let lab: TestLab;
let engine: LabEngine;
let marks: string;

beforeAll(async () => {
  lab = await createTestLab({ hosts: 1 });
  engine = await labEngine(lab);
  marks = join(lab.stateDir, 'marks');
  await mkdir(marks, { recursive: true });
});
afterAll(async () => {
  await engine?.close();
  await lab?.destroy();
});

function touch(name: string): ShellOperation {
  return { kind: 'shell', host: 'compute1', argv: ['touch', join(marks, name)], mutating: true, summary: `touch ${name}`, target: { instance: name }, command: `touch ${name}` };
}

function step(id: string, names: string[], extra: Partial<Step> = {}): Step {
  return {
    id,
    title: `step ${id}`,
    changes: 'marks',
    unguarded: 'a test step',
    async plan() {
      return { items: names.map((n) => ({ key: n, summary: `touch ${n}`, target: { instance: n }, ops: [touch(n)] })) };
    },
    ...extra,
  };
}

const holdBack = (keys: string[]): Guard => ({
  name: 'keeps some back',
  describe: 'holds the named items back',
  async check() {
    return { ok: true, detail: `${keys.length} held back`, holdBack: keys.map((key) => ({ key, reason: `${key} is not safe to touch now` })) };
  },
});
const failing = (name: string): Guard => ({ name, describe: 'always fails', async check() { return { ok: false, detail: `${name} says no` }; } });

// Each test its own runbook id: an unfinished run of one must not block the next (invariant 15).
let ids = 0;
function runbook(steps: Step[]): Runbook {
  return { id: `outcome-${++ids}`, title: 'outcome', version: '0', reference: 'test', summary: 'test', options: [], params: z.object({}).passthrough(), steps };
}

type Ev<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;
const runEnd = (events: EngineEvent[]) => events.find((e): e is Ev<'run.end'> => e.type === 'run.end')!;
const marked = (name: string) => existsSync(join(marks, name));

describe('a run that held items back', () => {
  it('ends completed-held-back with exit 5, names each item and why, and is finished (not resumable)', async () => {
    const rb = runbook([
      step('a', ['hb-1', 'hb-2', 'hb-3'], { guards: [holdBack(['hb-2'])] }),
      // Held at the last moment, by the recheck after the confirmation: the same outcome.
      step('b', ['hb-4', 'hb-5'], { async recheck(_ctx, item) { return item.key === 'hb-5' ? 'hb-5 changed since the plan' : undefined; } }),
    ]);
    const result = await engine.run(rb);
    expect({ outcome: result.outcome, exitCode: result.exitCode }).toEqual({ outcome: 'completed-held-back', exitCode: ExitCode.heldBack });
    expect(ExitCode.heldBack).toBe(5);
    expect(['hb-1', 'hb-2', 'hb-3', 'hb-4', 'hb-5'].map(marked)).toEqual([true, false, true, true, false]);
    const end = runEnd(result.events);
    expect(end.outcome).toBe('completed-held-back');
    expect(end.heldBack).toEqual([
      { step: 'a', key: 'hb-2', reason: 'hb-2 is not safe to touch now' },
      { step: 'b', key: 'hb-5', reason: 'hb-5 changed since the plan' },
    ]);
    expect(end.summary).toMatch(/^completed, 2 held back: hb-2 \(hb-2 is not safe to touch now\); hb-5 \(hb-5 changed since the plan\) — 3 item\(s\) done/);
    expect(end.summary).toContain('The run is finished, not resumable');

    // On disk: its own status, the items it held back, and no resume.
    const state = JSON.parse(await readFile(join(result.runDir!, 'state.json'), 'utf8')) as { status: string; heldBack: unknown[] };
    expect(state.status).toBe('completed-held-back');
    expect(state.heldBack).toHaveLength(2);
    const store = await RunStore.open(engine.config.stateDir, result.runId);
    try {
      expect(() => checkResumable(store.state, engine.config.cloudName)).toThrow(/ended completed-held-back; only interrupted, failed, aborted or blocked live runs resume/);
    } finally {
      await store.close();
    }
  });

  it('a run that held nothing back is plain completed, exit 0', async () => {
    const result = await engine.run(runbook([step('a', ['ok-1'], { guards: [holdBack([])] })]));
    expect({ outcome: result.outcome, exitCode: result.exitCode, heldBack: runEnd(result.events).heldBack }).toEqual({ outcome: 'completed', exitCode: 0, heldBack: [] });
  });
});

describe('a dry-run past a failed guard', () => {
  it('plans every step, marks the ones a live run would stop, and exits 3', async () => {
    const rb = runbook([step('a', ['dr-1'], { guards: [failing('fenced')] }), step('b', ['dr-2'], { guards: [holdBack(['dr-3']), failing('target up')] }), step('c', ['dr-4'])]);
    const result = await engine.run(rb, { mode: 'dry-run' });
    expect({ outcome: result.outcome, exitCode: result.exitCode }).toEqual({ outcome: 'planned', exitCode: ExitCode.refused });
    expect(['dr-1', 'dr-2', 'dr-4'].map(marked)).toEqual([false, false, false]);
    // Every step was planned, the ones after the failed guard included.
    const planned = result.events.filter((e): e is Ev<'op.planned'> => e.type === 'op.planned').map((e) => e.item);
    expect(planned).toEqual(['dr-1', 'dr-2', 'dr-4']);
    const ends = result.events.filter((e): e is Ev<'step.end'> => e.type === 'step.end');
    expect(ends.map((e) => [e.step, e.outcome, e.wouldBlock?.map((w) => w.guard)])).toEqual([
      ['a', 'planned', ['fenced']],
      ['b', 'planned', ['target up']],
      ['c', 'planned', undefined],
    ]);
    expect(ends[0].detail).toBe('1 item(s) planned, none executed (dry-run); would be blocked by "fenced": fenced says no');
    expect(result.events).toContainEqual(expect.objectContaining({ type: 'note', level: 'warn', message: expect.stringContaining('would be blocked by "fenced": fenced says no — planned below as if it passed') }));
    const end = runEnd(result.events);
    expect(end.wouldBlock).toEqual([
      { step: 'a', guard: 'fenced', detail: 'fenced says no' },
      { step: 'b', guard: 'target up', detail: 'target up says no' },
    ]);
    expect(end.summary).toContain('1 item(s) would be held back');
    expect(end.summary).toContain('A live run would be refused: step 0 (step a) would be blocked by "fenced": fenced says no; step 1 (step b) would be blocked by "target up"');
  });

  it('a dry-run whose guards pass exits 0', async () => {
    const result = await engine.run(runbook([step('a', ['dp-1'])]), { mode: 'dry-run' });
    expect({ outcome: result.outcome, exitCode: result.exitCode, wouldBlock: runEnd(result.events).wouldBlock }).toEqual({ outcome: 'planned', exitCode: 0, wouldBlock: undefined });
  });
});

describe('a live run stopped by a guard', () => {
  it('that had changed nothing is refused (exit 3) and over', async () => {
    const result = await engine.run(runbook([step('a', ['rf-1'], { guards: [failing('fenced')] }), step('b', ['rf-2'])]));
    expect({ outcome: result.outcome, exitCode: result.exitCode }).toEqual({ outcome: 'refused', exitCode: ExitCode.refused });
    expect(['rf-1', 'rf-2'].map(marked)).toEqual([false, false]);
    expect(runEnd(result.events).summary).toBe('refused at step 0 (step a): guard "fenced" failed: fenced says no — nothing was changed; run again once that is put right');
    expect(result.events.filter((e) => e.type === 'step.start')).toHaveLength(1);
  });

  it('that had changed something is blocked (exit 3), and resumes', async () => {
    const result = await engine.run(runbook([step('a', ['bl-1']), step('b', ['bl-2'], { guards: [failing('target up')] })]));
    expect({ outcome: result.outcome, exitCode: result.exitCode }).toEqual({ outcome: 'blocked', exitCode: ExitCode.refused });
    expect(['bl-1', 'bl-2'].map(marked)).toEqual([true, false]);
    const store = await RunStore.open(engine.config.stateDir, result.runId);
    try {
      expect(() => checkResumable(store.state, engine.config.cloudName)).not.toThrow();
    } finally {
      await store.close();
    }
  });
});
