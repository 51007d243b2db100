// failed-node against a lab that answers as 2025.1 Epoxy (compute 2.1-2.100): the preflight reads
// the version document and chooses evacuate at 2.95, where Nova leaves every evacuated instance
// stopped on the target; the start-evacuated step starts again, once each, the instances that were
// ACTIVE on the failed host, and the one that was stopped stays stopped. The end state is read back
// row by row (vm_state as before the failure).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailedNodeSummary } from '../../src/lab/index.js';
import { runCli } from '../support/cli.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { allRows, expectEndState, expectOnlyRelatedChanged, failedNode, relatedFor, runArgs } from './support.js';

let lab: TestLab;
let s: FailedNodeSummary;

beforeAll(async () => {
  lab = await createTestLab({ hosts: 3, settings: { serviceDownTimeMs: 1500, reportIntervalMs: 200, evacuateMs: 120, rebootMs: 50, release: 'epoxy' } });
  s = await failedNode(lab);
});
afterAll(async () => lab?.destroy());

describe('failed-node --method evacuate on an Epoxy cloud (evacuate at 2.95)', () => {
  it('dry-run: says which microversion and what it means; plans a start for each instance that ran, none for the stopped one', async () => {
    const dry = await runCli([...runArgs(lab, s), '--allow-rebuild', '--dry-run'], lab.env);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Compute API offers 2.1–2.100: evacuate at 2.95 (Nova leaves every evacuated instance stopped on the target');
    // The other requests' microversions, checked against the same documents and said.
    expect(dry.stdout).toMatch(/Compute API offers 2\.1–2\.100: evacuate at 2\.95 \(.*\); os-services \(force-down by service uuid\) at 2\.53, migrations \(by instance\) at 2\.59/);
    expect(dry.stdout).toMatch(/Placement API offers 1\.0–1\.\d+: allocations at 1\.28, resource providers at 1\.28/);
    expect(dry.stdout).toContain(`openstack --os-compute-api-version 2.95 server evacuate --host ${s.targetHost}`);
    const moving = s.instances.filter((i) => i.kind !== 'service-vm');
    for (const i of moving.filter((x) => x.vmState === 'active')) expect(dry.stdout).toContain(`openstack server start ${i.uuid}`);
    const stopped = moving.find((i) => i.vmState === 'stopped')!;
    expect(dry.stdout).not.toContain(`openstack server start ${stopped.uuid}`);
  });

  it('evacuates each once at 2.95, starts each instance that was ACTIVE once, leaves the stopped one SHUTOFF', async () => {
    const before = await allRows(lab);
    await lab.resetStats();
    const run = await runCli([...runArgs(lab, s), '--allow-rebuild', '--yes'], lab.env);
    expect(run.code, run.stdout + run.stderr).toBe(0);

    const moving = s.instances.filter((i) => i.kind !== 'service-vm');
    const active = moving.filter((i) => i.vmState === 'active');
    const stopped = moving.filter((i) => i.vmState === 'stopped');
    expect(active.length).toBeGreaterThan(0);
    expect(stopped.length).toBe(1);
    const stats = await lab.stats();
    expect(stats.evacuationsByServer).toEqual(Object.fromEntries(moving.map((i) => [i.uuid, 1])));
    // Each that ran: one evacuate and one start; the stopped one: one evacuate, no start.
    for (const i of active) expect(stats.appliedByServer[i.uuid], i.name).toEqual({ evacuate: 1, 'os-start': 1 });
    for (const i of stopped) expect(stats.appliedByServer[i.uuid], i.name).toEqual({ evacuate: 1 });

    // The end state row by row: vm_state as it was before the failure (active, or stopped).
    await expectEndState(lab, s, moving.map((i) => i.uuid), { attachedHost: s.targetHost });
    expectOnlyRelatedChanged(before, await allRows(lab), relatedFor(s, moving.map((i) => i.uuid)));
    expect(run.stdout).toContain(`start:${active[0].uuid}: started, ACTIVE on ${s.targetHost}`);
    expect(run.stdout).toContain(`evacuate:${stopped[0].uuid}: SHUTOFF on ${s.targetHost}`);
    expect(run.stdout).toContain(`none of them left on ${s.failedHost}`);
  });
});
