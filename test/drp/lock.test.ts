// Acceptance 6 / invariant 8: while one mutating run holds the cloud's lock, a second is
// refused, naming who holds it, and changes nothing.
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli, startCli } from '../support/cli.js';
import { writeLabConfigVariant } from '../support/lab-config.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { waitForEvents } from '../support/transcript-watch.js';

let lab: TestLab;

/** What novaops sends as User-Agent on every API request; the lab counts requests by it. */
async function userAgentOf(pid: number | undefined): Promise<string> {
  expect(pid).toBeGreaterThan(0);
  const { version } = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
  return `novaops/${version} (pid ${pid})`;
}

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

    const secondProcess = startCli(['run', 'drp', '--yes'], env);
    const second = await secondProcess.done;
    expect(second.code).toBe(3);
    expect(second.stdout).toContain(`another novaops run holds the lock for cloud "novaops-lab": run ${runId} (drp) by `);
    expect(second.stdout).toMatch(/pid \d+, since /);
    // The refused run reached no step and sent no mutating request of its own (checked below, in
    // the lab's count of requests by User-Agent, which names the sending process).
    expect(second.stdout).not.toContain('== Step');
    const firstAgent = await userAgentOf(first.child.pid);
    const secondAgent = await userAgentOf(secondProcess.child.pid);

    const done = await first.done;
    expect(done.code, done.stdout + done.stderr).toBe(0);
    const stats = await lab.stats();
    // The refused process did talk to the API (it authenticated, so its requests are identifiable
    // here), and none of its requests changed anything. Every mutating one came from the lock holder.
    expect(stats.requestsByUserAgent[secondAgent]).toBeGreaterThanOrEqual(1);
    expect(stats.mutatingByUserAgent[secondAgent] ?? 0).toBe(0);
    expect(stats.mutatingRequests).toBeGreaterThan(0);
    expect(stats.mutatingByUserAgent).toEqual({ [firstAgent]: stats.mutatingRequests });
    for (const [server, n] of Object.entries(stats.rebootsByServer)) expect(n, server).toBe(1);
    expect(Object.keys(stats.rebootsByServer).length).toBeGreaterThanOrEqual(Object.keys(rebootsBefore).length);

    // Released: the lock file is gone and a dry-run and a new live run both get through.
    await expect(access(join(lab.stateDir, 'locks', 'novaops-lab.lock'))).rejects.toThrow();
    const third = await runCli(['run', 'drp', '--yes'], env);
    expect(third.code, third.stdout).toBe(0);
  });
});
