// What a drp dry-run on the lab's power-loss scenario must print, whichever way novaops was
// installed (the checkout, the one file, the npm package): every affected instance's reboot and
// every captured attachment's re-attach, as plan lines, and exit 0.
import { expect } from 'vitest';
import type { ScenarioSummary } from '../../src/lab/index.js';
import type { CliResult } from './cli.js';

export function expectDrpPlan(result: CliResult, scenario: ScenarioSummary): void {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const lines = result.stdout.split('\n').filter((l) => l.trim() !== '');
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.every((l) => l.startsWith('[DRY-RUN]'))).toBe(true);
  for (const uuid of scenario.affectedInstances) expect(lines.some((l) => l.includes(`openstack server reboot --hard ${uuid}`))).toBe(true);
  for (const pair of scenario.attached) {
    expect(lines.some((l) => l.includes(`openstack server add volume ${pair.instance} ${pair.volume} --device ${pair.device}`))).toBe(true);
  }
}
