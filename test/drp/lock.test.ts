// Acceptance 6 / invariant 8: while one mutating run holds the cloud's lock, a second is
// refused, naming who holds it, and changes nothing.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { writeLabConfigVariant } from '../support/lab-config.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { waitForEvents } from '../support/transcript-watch.js';

let lab: TestLab;

beforeAll(async () => {
  lab = await createTestLab({ settings: { latencyMs: 100, rebootMs: 100, attachMs: 50 } });
  await lab.scenario('power-loss', { instances: 12, volumes: 16, seed: 9 });
});
afterAll(async () => lab?.destroy());

describe('the cloud lock', () => {
  it('refuses a second mutating run while the first holds it, and lets the next one in after', async () => {
    const config = await writeLabConfigVariant(lab, 'one-at-a-time.yaml', (c) => (c.api = { ...c.api, concurrency: 1 }));
    const env = { ...lab.env, NOVAOPS_CONFIG: config };
    const first = startCli(['run', 'drp', '--yes'], env);
    const { runId } = await waitForEvents(lab.stateDir, (ev) => ev.some((e) => e.type === 'step.start' && e.step === 'reboot'));
    const rebootsBefore = (await lab.stats()).rebootsByServer;

    const second = await runCli(['run', 'drp', '--yes'], env);
    expect(second.code).toBe(3);
    expect(second.stdout).toContain(`another novaops run holds the lock for cloud "novaops-lab": run ${runId} (drp) by `);
    expect(second.stdout).toMatch(/pid \d+, since /);
    // The refused run reached no step and sent no mutating request of its own.
    expect(second.stdout).not.toContain('== Step');

    const done = await first.done;
    expect(done.code, done.stdout + done.stderr).toBe(0);
    const stats = await lab.stats();
    for (const [server, n] of Object.entries(stats.rebootsByServer)) expect(n, server).toBe(1);
    expect(Object.keys(stats.rebootsByServer).length).toBeGreaterThanOrEqual(Object.keys(rebootsBefore).length);

    // Released: the lock file is gone and a dry-run and a new live run both get through.
    await expect(access(join(lab.stateDir, 'locks', 'novaops-lab.lock'))).rejects.toThrow();
    const third = await runCli(['run', 'drp', '--yes'], env);
    expect(third.code, third.stdout).toBe(0);
  });
});
