// Invariant 15's first moment: `mutatingSince` is saved durably before the first mutating
// operation starts, not with the next step boundary. A run SIGKILLed while its first mutating
// request is in flight (no save since the step began) must still block the next run of its
// runbook, naming it; a new run that went ahead could repeat or contradict what the killed one sent.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { readState, runAndKill, waitQuiet } from '../support/kill-points.js';
import { actionCounts, pick, stuckScenario } from '../reset-state/stuck-lab.js';

let lab: TestLab;

beforeAll(async () => {
  // Each request takes 300 ms in the simulator: the kill lands while the first reset is in flight.
  lab = await createTestLab({ hosts: 2, settings: { latencyMs: 300 } });
});
afterAll(async () => lab?.destroy());

describe('a run killed during its first mutating operation', () => {
  it('left mutatingSince on disk, so the next run of its runbook is refused (exit 3, naming it) and changes nothing', async () => {
    const scenario = await stuckScenario(lab, { instances: 12, volumes: 2, seed: 9 });
    const a = pick(scenario, 'reboot_started_hard');
    const b = pick(scenario, 'migrating');
    await lab.resetStats();

    const killed = await runAndKill({ args: ['run', 'reset-state', a.uuid, b.uuid, '--yes'], env: lab.env, stateDir: lab.stateDir, point: { kind: 'first-mutation' } });
    const output = killed.result.stdout + killed.result.stderr;
    expect(killed.killed, output).toBe(true);
    expect(killed.result.signal).toBe('SIGKILL');
    const runId = killed.runId!;
    expect(runId, output).toBeDefined();
    // Killed inside the step, before any save after the one that marks the run mutating.
    const left = (await readState(lab.stateDir, runId))!;
    expect(left.steps.reset?.status, 'the reset step was still running at the kill').toBe('running');
    expect(killed.events.filter((e) => e.type === 'step.end' && e.step === 'reset')).toEqual([]);
    await waitQuiet(lab);
    const resetsBefore = await actionCounts(lab, 'resetState');
    const runsBefore = await readdir(join(lab.stateDir, 'runs'));

    const next = await runCli(['run', 'reset-state', a.uuid, b.uuid, '--yes'], lab.env);
    const out = next.stdout + next.stderr;
    expect(next.code, out).toBe(3);
    expect(out).toContain(`unfinished run ${runId}`);
    expect(out).toContain(`novaops resume ${runId}`);
    expect(out, 'refused before any step (not blocked by a guard of its own)').not.toContain('== Step');
    expect(left.mutatingSince, 'state.json of the killed run').toEqual(expect.any(String));
    expect(await actionCounts(lab, 'resetState'), 'no reset sent by the refused run').toEqual(resetsBefore);
    expect(await readdir(join(lab.stateDir, 'runs')), 'no run directory for the refused run').toEqual(runsBefore);
  });
});
