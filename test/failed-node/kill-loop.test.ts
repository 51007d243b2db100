// failed-node through the kill loop (test/support/kill-loop.ts): a fresh failed-node scenario per
// iteration (its failed host already down), `--allow-rebuild` SIGKILLed at a seeded moment and
// resumed until it completes. Nothing applied twice, by what the simulator counted: one evacuate
// per movable instance (the killed attempts' requests included); each one's end state read back
// row by row (host, BDMs, Cinder attachments, Placement allocations); the journal acknowledges
// nothing twice.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readState, waitQuiet } from '../support/kill-points.js';
import { drawIterations, journalRepeats, killPointOf, killThenResume, loopSeed, describeIteration } from '../support/kill-loop.js';
import type { TestLab } from '../support/lab.js';
import { createFailedNodeLab, expectEndState, failedNode, runArgs } from './support.js';

const { seed: SEED, iterations: ITERATIONS } = loopSeed('failed-node', { seed: 20261210, iterations: 5 });
const plans = drawIterations(SEED, ITERATIONS);
/** One attempt of a run on this lab: its transcript events and item operations (measured). */
const SIZES = { events: 360, opEnds: 15 };

let lab: TestLab;
beforeAll(async () => {
  lab = await createFailedNodeLab();
}, 120_000);
afterAll(async () => lab?.destroy());

describe('failed-node killed at random moments, then resumed', () => {
  it.each(plans)('iteration $n', async (plan) => {
    await waitQuiet(lab);
    const s = await failedNode(lab, { seed: plan.scenarioSeed });
    await lab.resetStats();
    const movable = s.instances.filter((i) => i.kind !== 'service-vm').map((i) => i.uuid);
    const stateDir = join(lab.stateDir, `failed-node-iter-${plan.n}`);
    await mkdir(stateDir, { recursive: true });
    const first = killPointOf(plan.first, SIZES);
    const second = plan.second ? killPointOf(plan.second, SIZES) : null;
    const what = describeIteration(plan, SEED);

    const { runId, log } = await killThenResume({
      args: [...runArgs(lab, s), '--allow-rebuild', '--yes'],
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
    console.log(`[kill-loop failed-node] ${context}`);

    expect((await readState(stateDir, runId))!.status, context).toBe('completed');
    expect(await journalRepeats(stateDir, runId), context).toEqual([]);
    expect((await lab.stats()).evacuationsByServer, context).toEqual(Object.fromEntries(movable.map((u) => [u, 1])));
    await expectEndState(lab, s, movable, { attachedHost: s.targetHost });
  }, 300_000);
});
