// Ctrl-C (SIGINT) during the reboots: no new reboot starts, the ones in flight are recorded, the
// run ends "aborted" (exit 4), and a resume finishes it with one reboot per instance.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { writeLabConfigVariant } from '../support/lab-config.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { waitForEvents } from '../support/transcript-watch.js';

let lab: TestLab;

beforeAll(async () => {
  lab = await createTestLab({ settings: { latencyMs: 150, rebootMs: 50, attachMs: 30 } });
});
afterAll(async () => lab?.destroy());

describe('Ctrl-C during a run', () => {
  it('stops cleanly and resumes to the end', async () => {
    const scenario = await lab.scenario('power-loss', { instances: 16, volumes: 20, seed: 12 });
    const config = await writeLabConfigVariant(lab, 'serial.yaml', (c) => (c.api = { ...c.api, concurrency: 1 }));
    const env = { ...lab.env, NOVAOPS_CONFIG: config };
    await lab.resetStats();

    const run = startCli(['run', 'drp', '--yes'], env);
    const { runId } = await waitForEvents(lab.stateDir, (ev) => ev.filter((e) => e.type === 'op.end' && e.step === 'reboot').length >= 2);
    run.child.kill('SIGINT');
    const stopped = await run.done;
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(4);
    expect(stopped.stderr).toContain('stopping after the operations in flight');
    expect(stopped.stdout).toContain(`novaops resume ${runId}`);

    const state = JSON.parse(await readFile(join(lab.stateDir, 'runs', runId, 'state.json'), 'utf8'));
    expect(state.status).toBe('aborted');
    // Nothing was left "started" without its outcome.
    const journal = (await readFile(join(lab.stateDir, 'runs', runId, 'items.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const started = journal.filter((r) => r.status === 'started').map((r) => r.key);
    const ended = new Set(journal.filter((r) => r.status !== 'started').map((r) => r.key));
    expect(started.filter((k) => !ended.has(k))).toEqual([]);
    const shutoff = scenario.instances.filter((i) => i.vmState === 'stopped').map((i) => i.uuid);
    expect(Object.keys((await lab.stats()).rebootsByServer).length).toBeLessThan(shutoff.length);

    const resumed = await runCli(['resume', runId, '--yes'], env);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect((await lab.stats()).rebootsByServer).toEqual(Object.fromEntries(shutoff.map((u) => [u, 1])));
  });
});
