// Invariant 13 depends on the `always` flag of the start operations, not on luck: the same run with
// the flag taken off leaves the services stopped after a chown failure; with it, they run again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labEngine, type LabEngine } from '../support/engine.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { applyScenario, releaseImmutable } from '../../src/lab/index.js';
import type { Runbook } from '../../src/engine/runbook.js';
import { uidGid } from '../../runbooks/uid-gid/runbook.js';
import { uidGidParams } from '../../runbooks/uid-gid/params.js';
import { serviceLog, serviceState } from './support.js';

let lab: TestLab;
let engine: LabEngine;
beforeAll(async () => {
  lab = await createTestLab({ hosts: 1 });
  engine = await labEngine(lab);
});
afterAll(async () => {
  await engine?.close();
  if (lab) releaseImmutable(lab.info.dir);
  await lab?.destroy();
});

const params = uidGidParams.parse({ hosts: 'compute1', novaUid: '112', qemuUid: '119', novaGid: '120', libvirtdGid: '119' });

/** uid-gid with the `always` flag removed from every operation of its items. */
const withoutAlways: Runbook = {
  ...uidGid,
  steps: uidGid.steps.map((step) => ({
    ...step,
    async plan(ctx) {
      const plan = await step.plan(ctx);
      return { ...plan, items: plan.items.map((i) => ({ ...i, ops: i.ops.map(({ always: _always, ...op }) => op) })) };
    },
  })),
};

describe('the services are started again after a failed chown because the start operations are `always`', () => {
  it('with the flag: started; without it: left stopped', async () => {
    await applyScenario(lab.info, 'uid-mismatch', { files: 200, immutable: 2, seed: 4 });
    const flagged = await engine.run(uidGid, { params });
    expect(flagged.outcome, flagged.summary).toBe('failed');
    expect(serviceState(lab.info.dir, 'compute1', 'nova-compute')).toBe('active');
    expect(serviceLog(lab.info.dir, 'compute1')).toEqual(['stop nova-compute', 'stop libvirtd', 'start libvirtd', 'start nova-compute']);

    await applyScenario(lab.info, 'uid-mismatch', { files: 200, immutable: 2, seed: 4 });
    const bare = await engine.run(withoutAlways, { params, abandonUnfinished: true });
    expect(bare.outcome, bare.summary).toBe('failed');
    expect(serviceState(lab.info.dir, 'compute1', 'nova-compute')).toBe('inactive');
    expect(serviceState(lab.info.dir, 'compute1', 'libvirtd')).toBe('inactive');
    expect(serviceLog(lab.info.dir, 'compute1')).toEqual(['stop nova-compute', 'stop libvirtd']);
  });
});
