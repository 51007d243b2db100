// Acceptance 5 / invariants 5 and 6: SIGKILL after step 2, and again in the middle of step 3,
// then `novaops resume`: the run completes, the map is the one captured first, and every
// instance was rebooted exactly once — the ones in flight at the kill are resolved by reading
// Nova's instance actions, not rebooted again.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { writeLabConfigVariant } from '../support/lab-config.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { readEvents, transcriptOf, waitForEvents } from '../support/transcript-watch.js';
import type { ScenarioSummary } from '../../src/lab/index.js';

let lab: TestLab;
let scenario: ScenarioSummary;

beforeAll(async () => {
  // Slow enough API that a kill lands mid-step: 150 ms a request, two requests at a time.
  lab = await createTestLab({ settings: { latencyMs: 150, rebootMs: 100, attachMs: 50 } });
  scenario = await lab.scenario('power-loss', { instances: 20, volumes: 30, seed: 5 });
});
afterAll(async () => lab?.destroy());

describe('drp killed twice, then resumed', () => {
  it('finishes with the first map and one reboot per instance', async () => {
    const config = await writeLabConfigVariant(lab, 'slow.yaml', (c) => (c.api = { ...c.api, concurrency: 2 }));
    const env = { ...lab.env, NOVAOPS_CONFIG: config };
    await lab.resetStats();

    // 1. Killed right after step 2 (clean-db) ended.
    const first = startCli(['run', 'drp', '--yes'], env);
    const { runId } = await waitForEvents(lab.stateDir, (ev) => ev.some((e) => e.type === 'step.end' && e.step === 'clean-db'));
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    const mapPath = join(lab.stateDir, 'runs', runId, 'artifacts', 'volume-map.json');
    const firstMap = await readFile(mapPath, 'utf8');
    expect(JSON.parse(firstMap).entries.length).toBe(scenario.attached.length);

    // 2. Resumed, killed in the middle of step 3 (reboot), after three reboots were acknowledged.
    const second = startCli(['resume', runId, '--yes'], env);
    await waitForEvents(
      lab.stateDir,
      (ev) => {
        // Count only this attempt's reboots: the first may have started some before its kill landed.
        const start = ev.findIndex((e) => e.type === 'run.start' && e.attempt === 2);
        return start >= 0 && ev.slice(start).filter((e) => e.type === 'op.end' && e.step === 'reboot' && e.item !== null).length >= 3;
      },
      { runId },
    );
    second.child.kill('SIGKILL');
    expect((await second.done).signal).toBe('SIGKILL');
    const rebootedSoFar = Object.keys((await lab.stats()).rebootsByServer).length;
    const shutoff = scenario.instances.filter((i) => i.vmState === 'stopped').map((i) => i.uuid);
    expect(rebootedSoFar).toBeGreaterThanOrEqual(3);
    expect(rebootedSoFar).toBeLessThan(shutoff.length);

    // 3. Resumed to the end.
    const third = await runCli(['resume', '--yes'], env);
    expect(third.code, third.stdout + third.stderr).toBe(0);
    expect(third.stdout).toContain('already done in an earlier attempt');

    expect(await readFile(mapPath, 'utf8')).toBe(firstMap);
    const stats = await lab.stats();
    expect(stats.rebootsByServer).toEqual(Object.fromEntries(shutoff.map((u) => [u, 1])));
    for (const pair of scenario.attached) {
      const [row] = await lab.rootQuery<{ n: number }[]>(
        `SELECT COUNT(*) AS n FROM \`${lab.info.db.schemas.cinder}\`.volume_attachment WHERE volume_id = ? AND instance_uuid = ? AND deleted = 0 AND attach_status = 'attached' AND mountpoint = ?`,
        [pair.volume, pair.instance, pair.device],
      );
      expect(Number(row.n), `${pair.volume} on ${pair.instance}`).toBe(1);
    }
    const events = await readEvents(transcriptOf(lab.stateDir, runId));
    const starts = events.filter((e) => e.type === 'run.start');
    expect(starts.map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2, 3]);
    expect(events.filter((e) => e.type === 'step.start' && e.step === 'capture-map')).toHaveLength(1);
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const state = JSON.parse(await readFile(join(lab.stateDir, 'runs', runId, 'state.json'), 'utf8'));
    expect(state.status).toBe('completed');
  });
});
