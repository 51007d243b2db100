// uid-gid through the kill loop (test/support/kill-loop.ts): a fresh uid-mismatch scenario per
// iteration (compute1's chain, compute2's swap through a temporary id), the run SIGKILLed at a
// seeded moment, resumed until it completes. Nothing applied twice shows in the files: a chown
// pass repeated after a chain or swap moves files a second time, onto the wrong account. So after
// each: every file on its account's new id, the accounts at their targets, the services running,
// and the journal acknowledging no item or operation twice.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyScenario, hostPaths, type UidMismatchSummary } from '../../src/lab/index.js';
import { readState } from '../support/kill-points.js';
import { drawIterations, journalRepeats, killPointOf, killThenResume, loopSeed, describeIteration } from '../support/kill-loop.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { entries, expectTargets, serviceState, TARGET_ARGS, wrongOwners, type Entry } from './support.js';

const HOSTS = ['compute1', 'compute2'];
const { seed: SEED, iterations: ITERATIONS } = loopSeed('uid-gid', { seed: 20261207, iterations: 5 });
const plans = drawIterations(SEED, ITERATIONS);
/** One attempt of a full run on this lab: its transcript events and item operations (measured). */
const SIZES = { events: 130, opEnds: 23 };

let lab: TestLab;
beforeAll(async () => {
  lab = await createTestLab({ hosts: 2 });
}, 120_000);
afterAll(async () => lab?.destroy());

describe('uid-gid killed at random moments, then resumed', () => {
  it.each(plans)('iteration $n', async (plan) => {
    const s = (await applyScenario(lab.info, 'uid-mismatch', { files: 1_500, seed: plan.scenarioSeed })) as UidMismatchSummary;
    const before = new Map<string, Map<string, Entry>>(HOSTS.map((h) => [h, entries(hostPaths(lab.info.dir, h).root)]));
    const stateDir = join(lab.stateDir, `uid-gid-iter-${plan.n}`);
    await mkdir(stateDir, { recursive: true });
    const first = killPointOf(plan.first, SIZES);
    const second = plan.second ? killPointOf(plan.second, SIZES) : null;
    const what = describeIteration(plan, SEED);

    const { runId, log } = await killThenResume({
      args: ['run', 'uid-gid', '--hosts', HOSTS.join(','), ...TARGET_ARGS, '--yes'],
      env: { ...lab.env, NOVAOPS_STATE_DIR: stateDir },
      stateDir,
      first,
      second,
      what,
    });
    const context = `${what}: ${log.join('; ')}`;
    console.log(`[kill-loop uid-gid] ${context}`);

    expect((await readState(stateDir, runId))!.status, context).toBe('completed');
    expect(await journalRepeats(stateDir, runId), context).toEqual([]);
    for (const host of HOSTS) {
      expect(wrongOwners(lab.info.dir, s, host, before.get(host)!), `${context}: ${host}`).toEqual([]);
      expectTargets(lab.info.dir, host);
      expect([serviceState(lab.info.dir, host, 'nova-compute'), serviceState(lab.info.dir, host, 'libvirtd')], `${context}: ${host}`).toEqual(['active', 'active']);
    }
  }, 240_000);
});
