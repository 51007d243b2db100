// reset-state through the kill loop (test/support/kill-loop.ts): a fresh stuck-instance scenario
// per iteration, `--stuck-for 4m --delete` SIGKILLed at a seeded moment and resumed until it
// completes. Nothing applied twice, by what Nova recorded: one resetState action and one delete
// request per stuck instance (the killed attempts' requests included); every stuck instance gone,
// every other one untouched; the journal acknowledges nothing twice.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readState, waitQuiet } from '../support/kill-points.js';
import { drawIterations, journalRepeats, killPointOf, killThenResume, loopSeed, describeIteration } from '../support/kill-loop.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { actionCounts, instanceRows, stuckScenario } from './stuck-lab.js';

const { seed: SEED, iterations: ITERATIONS } = loopSeed('reset-state', { seed: 20261209, iterations: 5 });
const plans = drawIterations(SEED, ITERATIONS);
/** One attempt of a run on this lab: its transcript events and item operations (measured). */
const SIZES = { events: 320, opEnds: 24 };

let lab: TestLab;
beforeAll(async () => {
  // 100 ms a request: a kill lands among the resets and the deletes, not only before or after.
  lab = await createTestLab({ hosts: 2, settings: { latencyMs: 100, deleteMs: 100 } });
}, 120_000);
afterAll(async () => lab?.destroy());

describe('reset-state killed at random moments, then resumed', () => {
  it.each(plans)('iteration $n', async (plan) => {
    await waitQuiet(lab);
    const scenario = await stuckScenario(lab, { instances: 16, volumes: 2, seed: plan.scenarioSeed });
    const stuck = scenario.instances.filter((i) => i.stuck);
    const resetsBefore = await actionCounts(lab, 'resetState');
    await lab.resetStats();
    const stateDir = join(lab.stateDir, `reset-iter-${plan.n}`);
    await mkdir(stateDir, { recursive: true });
    const first = killPointOf(plan.first, SIZES);
    const second = plan.second ? killPointOf(plan.second, SIZES) : null;
    const what = describeIteration(plan, SEED);

    const { runId, log } = await killThenResume({
      args: ['run', 'reset-state', '--stuck-for', '4m', '--delete', '--yes'],
      env: { ...lab.env, NOVAOPS_STATE_DIR: stateDir },
      stateDir,
      first,
      second,
      what,
      lab,
      settle: () => waitQuiet(lab),
    });
    await waitQuiet(lab);
    const context = `${what}: ${log.join('; ')}`;
    console.log(`[kill-loop reset-state] ${context}`);

    expect((await readState(stateDir, runId))!.status, context).toBe('completed');
    expect(await journalRepeats(stateDir, runId), context).toEqual([]);
    // The scenario's instances are new each time: any resetState action of theirs is this run's.
    const resets = await actionCounts(lab, 'resetState');
    const mine = Object.fromEntries(Object.entries(resets).filter(([uuid]) => !(uuid in resetsBefore)));
    expect(mine, context).toEqual(Object.fromEntries(stuck.map((x) => [x.uuid, 1])));
    expect((await lab.stats()).deletesByServer, context).toEqual(Object.fromEntries(stuck.map((x) => [x.uuid, 1])));
    const rows = await instanceRows(lab);
    for (const x of stuck) expect(rows.get(x.uuid)!.deleted, `${context}: ${x.name}`).toBe(1);
    for (const x of scenario.instances.filter((i) => !i.stuck)) expect(rows.get(x.uuid)!.deleted, `${context}: ${x.name}`).toBe(0);
  }, 240_000);
});
