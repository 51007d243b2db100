// Acceptance 2 / invariant 3: a dry-run after a power loss prints every planned SQL statement
// with its parameters and every API call with its openstack command line, and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { checksums } from '../support/db-snapshot.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import type { ScenarioSummary } from '../../src/lab/index.js';

let lab: TestLab;
let scenario: ScenarioSummary;

beforeAll(async () => {
  lab = await createTestLab();
  scenario = await lab.scenario('power-loss', { instances: 20, volumes: 30, seed: 7 });
});
afterAll(async () => lab?.destroy());

describe('drp --dry-run', () => {
  it('prints the exact plan and leaves every table and the API untouched', async () => {
    const before = await checksums(lab);
    await lab.resetStats();

    const result = await runCli(['run', 'drp', '--dry-run'], lab.env);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n').filter((l) => l.trim() !== '');
    expect(lines.every((l) => l.startsWith('[DRY-RUN]'))).toBe(true);

    // Every captured pair is in the parameters of the set-based cleanup statements...
    const sqlPlans = lines.filter((l) => l.includes('plan: SQL'));
    for (const pair of scenario.attached) {
      const params = `"${pair.volume}","${pair.instance}"`;
      expect(sqlPlans.some((l) => l.includes('UPDATE volume_attachment') && l.includes(params))).toBe(true);
      expect(sqlPlans.some((l) => l.includes('UPDATE block_device_mapping') && l.includes(params))).toBe(true);
      expect(sqlPlans.some((l) => l.includes('UPDATE volumes SET status') && l.includes(`"${pair.volume}"`))).toBe(true);
      expect(lines.some((l) => l.includes(`openstack server add volume ${pair.instance} ${pair.volume} --device ${pair.device}`))).toBe(true);
    }
    // ...every affected instance its reboot command line...
    for (const uuid of scenario.affectedInstances) {
      expect(lines.some((l) => l.includes(`openstack server reboot --hard ${uuid}`))).toBe(true);
    }
    // ...the path the attachments take, and why not the other one measured on the real beds...
    expect(lines.some((l) => /path: the rows are cleaned here and the volumes re-attached through the Compute API \(step 4\); `nova-manage volume_attachment refresh` is not used/.test(l))).toBe(true);
    // ...and nothing for boot volumes or error_deleting volumes.
    for (const v of [...scenario.bootVolumes.map((b) => b.volume), ...scenario.errorDeleting]) {
      expect(sqlPlans.some((l) => l.includes(v))).toBe(false);
    }

    expect(await checksums(lab)).toEqual(before);
    const stats = await lab.stats();
    expect(stats.mutatingRequests).toBe(0);
    expect(stats.rebootsByServer).toEqual({});
    expect(stats.attachesByVolume).toEqual({});
  });
});
