// iscsi-cleanup in a cloud of two cells (`lab scenario power-loss --cells 2`), through the real CLI:
// a cell2 instance's volume on a cell2 host. The block device mapping is soft-deleted in cell2's
// database; cell1's schema is as it was, and no statement of the run names another cell's database
// (or `nova`). A volume attached to nothing needs no Nova cell statement beyond the host's own cell.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { volumeIqn, writeSessionTable, type ScenarioSummary } from '../../src/lab/index.js';
import { runCli } from '../support/cli.js';
import { checksumsOf } from '../support/db-snapshot.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { runIdIn, sqlDatabases } from '../support/sql-databases.js';

let lab: TestLab;
let scenario: ScenarioSummary;

beforeAll(async () => {
  lab = await createTestLab({ hosts: 2 });
  scenario = await lab.scenario('power-loss', { instances: 10, volumes: 18, seed: 3, cells: 2 });
});
afterAll(async () => lab?.destroy());

const cinder = () => lab.info.db.schemas.cinder;
const cell = (name: string) => scenario.cells.find((c) => c.name === name)!;
const cellOfInstance = (uuid: string) => scenario.instances.find((i) => i.uuid === uuid)!.cell;

describe('iscsi-cleanup with two cells', () => {
  it("a cell2 instance's volume: cell2's block device mapping is cleaned, cell1 untouched and never read", async () => {
    const shared = new Set(scenario.multiattach?.attachments.map((m) => m.volume) ?? []);
    const pair = scenario.attached.find((a) => cellOfInstance(a.instance) === 'cell2' && !shared.has(a.volume) && !scenario.activeInstances.includes(a.instance))!;
    expect(pair, 'an attached data volume of a cell2 instance').toBeDefined();
    expect(cell('cell2').hosts).toContain(pair.host);
    const [sid] = await writeSessionTable(lab.info.dir, pair.host, [volumeIqn(`volume-${pair.volume}`)], 1);
    const cell1Before = await checksumsOf(lab, [cell('cell1').schema, cell('cell0').schema]);

    const r = await runCli(['run', 'iscsi-cleanup', '--host', pair.host, '--volume', pair.volume, '--yes'], lab.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`${pair.host} is in cell cell2 (`);
    expect(r.stdout).toContain(`iscsiadm -m session -r ${sid} -u`);

    const bdm = await lab.rootQuery<unknown[]>(`SELECT id FROM \`${cell('cell2').schema}\`.block_device_mapping WHERE volume_id = ? AND instance_uuid = ? AND deleted = 0`, [pair.volume, pair.instance]);
    expect(bdm).toEqual([]);
    const [volume] = await lab.rootQuery<any[]>(`SELECT status, attach_status FROM \`${cinder()}\`.volumes WHERE id = ?`, [pair.volume]);
    expect(volume).toEqual({ status: 'available', attach_status: 'detached' });
    expect(await checksumsOf(lab, [cell('cell1').schema, cell('cell0').schema])).toEqual(cell1Before);
    const dbs = await sqlDatabases(lab.stateDir, runIdIn(r.stdout, 'iscsi-cleanup'));
    expect(dbs).toContain('cell:cell2');
    expect([...dbs].filter((d) => d === 'nova' || d === 'cell:cell1' || d === 'cell:cell0')).toEqual([]);
  });

  it("a volume attached to nothing: its session is freed, Nova is read in the host's cell only and changed nowhere", async () => {
    const volume = scenario.detached[0];
    const host = cell('cell2').hosts[0];
    const [sid] = await writeSessionTable(lab.info.dir, host, [volumeIqn(`volume-${volume}`)], 1);
    const cellsBefore = await checksumsOf(lab, scenario.cells.map((c) => c.schema));

    const r = await runCli(['run', 'iscsi-cleanup', '--host', host, '--volume', volume, '--yes'], lab.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`iscsiadm -m session -r ${sid} -u`);
    expect(r.stdout).toContain('attached in the databases to no instance');
    expect(await checksumsOf(lab, scenario.cells.map((c) => c.schema))).toEqual(cellsBefore);
    const dbs = await sqlDatabases(lab.stateDir, runIdIn(r.stdout, 'iscsi-cleanup'));
    expect([...dbs].filter((d) => d === 'nova' || d.startsWith('cell:')).sort()).toEqual(['cell:cell2']);
  });
});
