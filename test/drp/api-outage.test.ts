// A failure mid-run: the Compute/Volume API goes away during the re-attach. The run ends failed
// (exit 1) and says how to finish; once the API is back, `novaops resume` finishes it, checking
// each unfinished attach against the Volume API before sending it again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { writeLabConfigVariant } from '../support/lab-config.js';
import { waitForEvents } from '../support/transcript-watch.js';

let lab: TestLab;

beforeAll(async () => {
  lab = await createTestLab({ settings: { latencyMs: 100, rebootMs: 50, attachMs: 50 } });
});
afterAll(async () => lab?.destroy());

describe('API outage during the re-attach', () => {
  it('fails the unfinished items, then resumes to a complete recovery', async () => {
    const scenario = await lab.scenario('power-loss', { instances: 14, volumes: 20, seed: 21 });
    const config = await writeLabConfigVariant(lab, 'outage.yaml', (c) => {
      c.api = { ...c.api, concurrency: 2 };
      c.poll = { initial_ms: 50, max_ms: 200, timeout_ms: 3000 };
    });
    const env = { ...lab.env, NOVAOPS_CONFIG: config };

    const run = startCli(['run', 'drp', '--yes'], env);
    const { runId } = await waitForEvents(lab.stateDir, (ev) => ev.filter((e) => e.type === 'op.end' && e.step === 'reattach' && e.item !== null).length >= 3);
    await lab.stopApi();
    const failed = await run.done;
    expect(failed.code, failed.stdout + failed.stderr).toBe(1);
    expect(failed.stdout).toContain(`finish it with: novaops resume ${runId}`);
    expect(failed.stdout).toMatch(/FAILED\s+attach:/);

    await lab.startApi();
    const resumed = await runCli(['resume', '--yes'], env);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);

    const cinder = lab.info.db.schemas.cinder;
    const nova = lab.info.db.schemas.nova;
    for (const pair of scenario.attached) {
      const [attachments] = await lab.rootQuery<{ n: number }[]>(
        `SELECT COUNT(*) AS n FROM \`${cinder}\`.volume_attachment WHERE volume_id = ? AND instance_uuid = ? AND deleted = 0 AND mountpoint = ?`,
        [pair.volume, pair.instance, pair.device],
      );
      const [bdms] = await lab.rootQuery<{ n: number }[]>(
        `SELECT COUNT(*) AS n FROM \`${nova}\`.block_device_mapping WHERE volume_id = ? AND instance_uuid = ? AND deleted = 0`,
        [pair.volume, pair.instance],
      );
      expect([Number(attachments.n), Number(bdms.n)], `${pair.volume} on ${pair.instance}`).toEqual([1, 1]);
    }
  });
});
