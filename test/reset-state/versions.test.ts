// reset-state --stuck-for on a Zed and on an Epoxy lab: the Compute API's version document is read
// once, and since both offer changes-before (2.66) the servers are listed once with it — never
// tried and retried after a 406. The stuck instances are found and reset the same on both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabRelease } from '../../src/lab/index.js';
import { runCli } from '../support/cli.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { actionCounts, stuckScenario } from './stuck-lab.js';

let lab: TestLab;

beforeAll(async () => {
  lab = await createTestLab({ hosts: 2, settings: { deleteMs: 100 } });
});
afterAll(async () => lab?.destroy());

describe.each<[LabRelease, string]>([
  ['zed', '2.93'],
  ['epoxy', '2.100'],
])('reset-state --stuck-for on %s (compute up to %s)', (release) => {
  it('reads the version document once, lists once with changes-before, resets each stuck instance once', async () => {
    await lab.setSettings({ release });
    const scenario = await stuckScenario(lab, { instances: 12, volumes: 3, seed: 4 });
    await lab.resetStats();
    const old = scenario.instances.filter((i) => i.stuck && i.ageSeconds >= 1800);
    expect(old.length).toBeGreaterThan(0);

    const r = await runCli(['run', 'reset-state', '--stuck-for', '30m', '--yes'], lab.env);

    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`--stuck-for 30m: ${old.length} instance\\(s\\) .* that the Compute API listed as unchanged since .* \\(changes-before\\)`));
    expect(r.stdout + r.stderr).not.toContain('does not offer changes-before');
    expect(r.stdout + r.stderr).not.toContain('version document could not be read');
    const stats = await lab.stats();
    expect(stats.requests['GET compute /']).toBe(1);
    // One listing (one page): no attempt refused with 406 and made again without the filter.
    expect(stats.requests['GET compute /servers/detail']).toBe(1);
    expect(Object.keys(await actionCounts(lab, 'resetState')).sort()).toEqual(old.map((x) => x.uuid).sort());
    expect(Object.values(await actionCounts(lab, 'resetState')).every((n) => n === 1)).toBe(true);
  });
});
