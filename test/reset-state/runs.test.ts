// Acceptance: reset-state on the lab's stuck-instance scenario, the real CLI in a subprocess.
// One instance, several (by name and by UUID), --stuck-for, --active, --delete; a named instance
// that is not stuck is refused (exit 3, nothing changed) unless --force; --test-instance touches
// its instance alone. Every reset is counted in Nova's instance actions: exactly once each.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { checksums } from '../support/db-snapshot.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { actionCounts, instanceRows, pick, resetRequests, stuckScenario, untouchedExcept, type StuckInstanceSummary } from './stuck-lab.js';

let lab: TestLab;
let scenario: StuckInstanceSummary;

beforeAll(async () => {
  lab = await createTestLab({ hosts: 2, settings: { deleteMs: 100 } });
});
afterAll(async () => lab?.destroy());

beforeEach(async () => {
  scenario = await stuckScenario(lab, { instances: 12, volumes: 3, seed: 4 });
  await lab.resetStats();
});

const context = (r: { stdout: string; stderr: string }) => `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

/** Everything but `touched` is as it was, row for row. */
async function expectOthersUntouched(before: Awaited<ReturnType<typeof instanceRows>>, touched: string[]): Promise<void> {
  for (const [uuid, now, was] of untouchedExcept(before, await instanceRows(lab), touched)) expect(now, uuid).toEqual(was);
}

describe('reset-state on the lab', () => {
  it('one instance by name: shows its state, resets it to error once, reads it back', async () => {
    const x = pick(scenario, 'reboot_started_hard', 2700);
    const before = await instanceRows(lab);

    const r = await runCli(['run', 'reset-state', x.name, '--yes'], lab.env);

    expect(r.code, context(r)).toBe(0);
    // The before table: its vm_state, task_state and updated_at, and what will be done.
    const row = r.stdout.split('\n').find((l) => l.includes(x.uuid) && l.includes('reboot_started_hard'));
    expect(row, context(r)).toBeDefined();
    expect(row).toContain(x.updatedAt.replace(/\.\d{3}Z$/, 'Z'));
    expect(row).toContain('reset to error');
    expect(r.stdout).toMatch(/verified: read back: 1 instance\(s\) reset/);
    const after = (await instanceRows(lab)).get(x.uuid)!;
    expect([after.vm_state, after.task_state]).toEqual(['error', null]);
    expect(await actionCounts(lab, 'resetState')).toEqual({ [x.uuid]: 1 });
    const stats = await lab.stats();
    expect(resetRequests(stats)).toBe(1);
    expect(stats.mutatingRequests).toBe(1);
    await expectOthersUntouched(before, [x.uuid]);
  });

  it('several, by UUID and by name (one named twice): each reset once; a deleting one is deleted again', async () => {
    const rebooting = pick(scenario, 'reboot_started_hard', 10_800);
    const migrating = pick(scenario, 'migrating', 300);
    const deleting = pick(scenario, 'deleting', 2700);
    const before = await instanceRows(lab);

    const r = await runCli(['run', 'reset-state', rebooting.uuid, migrating.name, deleting.name, rebooting.name, '--yes'], lab.env);

    expect(r.code, context(r)).toBe(0);
    expect(r.stdout).toContain(`named more than once, reset once: ${rebooting.name}`);
    expect(r.stdout).toMatch(new RegExp(`${deleting.name}: it was being deleted: reset to error and deleted again`));
    const after = await instanceRows(lab);
    for (const x of [rebooting, migrating]) expect([after.get(x.uuid)!.vm_state, after.get(x.uuid)!.task_state], x.name).toEqual(['error', null]);
    expect(after.get(deleting.uuid)!.deleted).toBe(1);
    expect(await actionCounts(lab, 'resetState')).toEqual({ [rebooting.uuid]: 1, [migrating.uuid]: 1, [deleting.uuid]: 1 });
    expect((await lab.stats()).deletesByServer).toEqual({ [deleting.uuid]: 1 });
    await expectOthersUntouched(before, [rebooting.uuid, migrating.uuid, deleting.uuid]);
  });

  it('--stuck-for 30m: exactly the instances whose task has not moved for 30 minutes', async () => {
    const old = scenario.instances.filter((i) => i.stuck && i.ageSeconds >= 1800);
    const recent = scenario.instances.filter((i) => i.stuck && i.ageSeconds < 1800);
    expect(old.length).toBeGreaterThanOrEqual(6);
    expect(recent.length).toBeGreaterThan(0);
    const before = await instanceRows(lab);

    const r = await runCli(['run', 'reset-state', '--stuck-for', '30m', '--yes'], lab.env);

    expect(r.code, context(r)).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`--stuck-for 30m: ${old.length} instance\\(s\\)`));
    const after = await instanceRows(lab);
    for (const x of old) {
      const row = after.get(x.uuid)!;
      if (x.taskState === 'deleting') expect(row.deleted, x.name).toBe(1);
      else expect([row.vm_state, row.task_state], x.name).toEqual(['error', null]);
    }
    expect(Object.keys(await actionCounts(lab, 'resetState')).sort()).toEqual(old.map((x) => x.uuid).sort());
    expect(Object.values(await actionCounts(lab, 'resetState')).every((n) => n === 1)).toBe(true);
    expect(Object.keys((await lab.stats()).deletesByServer).sort()).toEqual(old.filter((x) => x.taskState === 'deleting').map((x) => x.uuid).sort());
    // The 5-minute ones and the healthy ones are left as they were.
    await expectOthersUntouched(before, old.map((x) => x.uuid));
  });

  it('--active: back to active; one that was being deleted is deleted, not made active', async () => {
    const migrating = pick(scenario, 'migrating', 2700);
    const deleting = pick(scenario, 'deleting', 10_800);

    const r = await runCli(['run', 'reset-state', migrating.uuid, deleting.uuid, '--active', '--yes'], lab.env);

    expect(r.code, context(r)).toBe(0);
    expect(r.stdout).toContain('reset to error and deleted again, not reset to active');
    const after = await instanceRows(lab);
    expect([after.get(migrating.uuid)!.vm_state, after.get(migrating.uuid)!.task_state]).toEqual(['active', null]);
    expect(after.get(deleting.uuid)!.deleted).toBe(1);
    const resets = await lab.rootQuery<{ uuid: string }[]>(
      `SELECT instance_uuid AS uuid FROM \`${lab.info.db.schemas.nova}\`.instance_actions WHERE action = 'resetState' ORDER BY instance_uuid`,
    );
    expect(resets.map((x) => x.uuid).sort()).toEqual([migrating.uuid, deleting.uuid].sort());
  });

  it('--delete: resets to error, deletes, and returns only once the instances are gone', async () => {
    const xs = [pick(scenario, 'reboot_started_hard', 2700), pick(scenario, 'migrating', 10_800)];
    // The first stuck instances hold the scenario's volumes: one of these has one attached.
    const withVolume = scenario.instances.find((i) => i.volumes.length > 0 && i.taskState === 'migrating' && i.ageSeconds === 300)!;
    xs.push(withVolume);
    const before = await instanceRows(lab);

    const r = await runCli(['run', 'reset-state', ...xs.map((x) => x.name), '--delete', '--yes'], lab.env);

    expect(r.code, context(r)).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${withVolume.name}: 1 volume\\(s\\) attached: deleting the instance detaches them`));
    expect(r.stdout).toMatch(new RegExp(`verified: read back: ${xs.length} instance\\(s\\) deleted, each answers 404`));
    // When the command returns, the deletes have finished: no instance row is left.
    const after = await instanceRows(lab);
    for (const x of xs) expect(after.get(x.uuid)!.deleted, x.name).toBe(1);
    expect((await lab.stats()).deletesByServer).toEqual(Object.fromEntries(xs.map((x) => [x.uuid, 1])));
    expect(await actionCounts(lab, 'resetState')).toEqual(Object.fromEntries(xs.map((x) => [x.uuid, 1])));
    await expectOthersUntouched(before, xs.map((x) => x.uuid));
  });

  it('a named instance that is not stuck is refused (exit 3, nothing changed); --force resets it', async () => {
    const healthy = pick(scenario, null);
    const stuck = pick(scenario, 'migrating', 2700);
    const sums = await checksums(lab);

    const refused = await runCli(['run', 'reset-state', stuck.name, healthy.name, '--yes'], lab.env);

    expect(refused.code, context(refused)).toBe(3);
    expect(refused.stdout).toMatch(new RegExp(`guard "stuck, or --force": FAILED — not stuck, so nothing is reset: ${healthy.name} \\(${healthy.uuid}\\): no task in progress`));
    expect(refused.stdout).toContain('add --force');
    expect(await checksums(lab)).toEqual(sums);
    expect((await lab.stats()).mutatingRequests).toBe(0);

    const forced = await runCli(['run', 'reset-state', stuck.name, healthy.name, '--force', '--yes'], lab.env);

    expect(forced.code, context(forced)).toBe(0);
    expect(forced.stdout).toMatch(/--force: 1 instance\(s\) that are not stuck are reset anyway/);
    const after = await instanceRows(lab);
    for (const x of [stuck, healthy]) expect([after.get(x.uuid)!.vm_state, after.get(x.uuid)!.task_state]).toEqual(['error', null]);
  });

  it('a named instance stuck for less than 5 minutes is not stuck yet', async () => {
    // Made to look like its task moved 2 minutes ago.
    const x = pick(scenario, 'migrating', 300);
    await lab.rootQuery(`UPDATE \`${lab.info.db.schemas.nova}\`.instances SET updated_at = UTC_TIMESTAMP() - INTERVAL 2 MINUTE WHERE uuid = ?`, [x.uuid]);
    const sums = await checksums(lab);

    const r = await runCli(['run', 'reset-state', x.uuid, '--yes'], lab.env);

    expect(r.code, context(r)).toBe(3);
    expect(r.stdout).toMatch(/task_state migrating changed only 2m\d*s? ago \(less than 5m\): Nova may still be working on it/);
    expect(await checksums(lab)).toEqual(sums);
  });

  it('--test-instance: the rehearsal resets its own instance and nothing else', async () => {
    const x = pick(scenario, 'deleting', 2700);
    const before = await instanceRows(lab);

    const r = await runCli(['run', 'reset-state', '--stuck-for', '30m', '--test-instance', x.name, '--yes'], lab.env);

    expect(r.code, context(r)).toBe(0);
    expect(r.stdout).toContain('test mode: scoped to instance');
    expect((await instanceRows(lab)).get(x.uuid)!.deleted).toBe(1);
    await expectOthersUntouched(before, [x.uuid]);
    const stats = await lab.stats();
    expect(await actionCounts(lab, 'resetState')).toEqual({ [x.uuid]: 1 });
    expect(stats.deletesByServer).toEqual({ [x.uuid]: 1 });
    expect(Object.keys(stats.mutatingByUserAgent)).toHaveLength(1);
    expect(stats.mutatingRequests).toBe(2);
  });
});
