// reset-state in a cloud of two cells (`lab scenario stuck-instance --cells 2`), through the real
// CLI. reset-state works through the Compute API only (os-resetState, delete): nova-api finds the
// instance's cell itself. A rehearsal on a cell2 instance resets it there, leaves every other cell's
// schema as it was, and its run sends no SQL statement to any database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { checksumsOf } from '../support/db-snapshot.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { runIdIn, sqlDatabases } from '../support/sql-databases.js';
import { stuckScenario, type StuckInstanceSummary } from './stuck-lab.js';

let lab: TestLab;
let scenario: StuckInstanceSummary;

beforeAll(async () => {
  lab = await createTestLab({ hosts: 2, settings: { deleteMs: 100 } });
  scenario = await stuckScenario(lab, { instances: 12, volumes: 3, seed: 4, cells: 2 });
});
afterAll(async () => lab?.destroy());

describe('reset-state with two cells', () => {
  it('--test-instance on a cell2 instance: reset in cell2, every other cell as it was, no SQL at all', async () => {
    const x = scenario.instances.find((i) => i.cell === 'cell2' && i.taskState !== null && i.taskState !== 'deleting' && i.ageSeconds >= 1800);
    expect(x, 'a cell2 instance stuck for 30 minutes or more').toBeDefined();
    const cell2 = scenario.cells.find((c) => c.name === 'cell2')!.schema;
    const others = scenario.cells.filter((c) => c.name !== 'cell2').map((c) => c.schema);
    const before = await checksumsOf(lab, others);

    const r = await runCli(['run', 'reset-state', '--stuck-for', '30m', '--test-instance', x!.uuid, '--yes'], lab.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const [row] = await lab.rootQuery<{ vm_state: string; task_state: string | null }[]>(`SELECT vm_state, task_state FROM \`${cell2}\`.instances WHERE uuid = ?`, [x!.uuid]);
    expect(row).toEqual({ vm_state: 'error', task_state: null });
    expect(await checksumsOf(lab, others)).toEqual(before);
    expect(await sqlDatabases(lab.stateDir, runIdIn(r.stdout, 'reset-state'))).toEqual(new Set());
  });
});
