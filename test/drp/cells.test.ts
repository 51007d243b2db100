// drp in a cloud of two cells (lab scenario power-loss --cells 2): the plan names each cell and
// what it holds; a cell that does not answer stops the run before anything changes; a rehearsal
// reads and changes its instance's cell alone; a live run restores every attachment of both
// cells, each block device mapping in its own cell's database.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { checksumsOf } from '../support/db-snapshot.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { writeLabConfigVariant } from '../support/lab-config.js';
import { readEvents, transcriptOf } from '../support/transcript-watch.js';
import type { ScenarioSummary } from '../../src/lab/index.js';

let lab: TestLab;
let scenario: ScenarioSummary;
const SCENARIO = { instances: 16, volumes: 24, seed: 5, cells: 2 };

beforeAll(async () => {
  lab = await createTestLab();
  scenario = await lab.scenario('power-loss', SCENARIO);
});
afterAll(async () => lab?.destroy());

const schemaOf = (cell: string) => scenario.cells.find((c) => c.name === cell)!.schema;
const cellOf = (instance: string) => scenario.instances.find((i) => i.uuid === instance)!.cell;
const cinder = () => lab.info.db.schemas.cinder;
/** Every schema of the cloud: cinder, nova_api and each cell's. */
const everySchema = () => [cinder(), lab.info.db.schemas.novaApi!, ...scenario.cells.map((c) => c.schema)];
const runIdOf = (stdout: string) => /run (\d{8}-\d{6}-drp-[0-9a-f]{4})/.exec(stdout)![1];

/** The databases the run's SQL named, reads and writes alike (`mysql <db> -e ...`). */
async function sqlDatabases(runId: string): Promise<Set<string>> {
  const dbs = new Set<string>();
  for (const e of await readEvents(transcriptOf(lab.stateDir, runId))) {
    if (e.type === 'op.start') {
      const m = /^mysql (\S+) -e /.exec(e.command);
      if (m) dbs.add(m[1]);
    }
    if (e.type === 'op.planned' && e.op.db) dbs.add(e.op.db);
  }
  return dbs;
}

/** An instance as nova leaves one whose scheduling failed: in cell0, ERROR, no host, mapped to cell0. */
async function neverScheduled(name: string): Promise<string> {
  const uuid = '0c0c0c0c-0000-4000-8000-000000000001';
  const api = lab.info.db.schemas.novaApi!;
  const [zero] = await lab.rootQuery<{ id: number }[]>(`SELECT id FROM \`${api}\`.cell_mappings WHERE name = 'cell0'`);
  const project = scenario.instances[0].projectId;
  await lab.rootQuery(
    `INSERT INTO \`${schemaOf('cell0')}\`.instances (uuid, display_name, vm_state, power_state, project_id, user_id, created_at, deleted) VALUES (?, ?, 'error', 0, ?, 'u', UTC_TIMESTAMP(), 0)`,
    [uuid, name, project],
  );
  await lab.rootQuery(`INSERT INTO \`${api}\`.instance_mappings (instance_uuid, cell_id, project_id, user_id, queued_for_delete, created_at) VALUES (?, ?, ?, 'u', 0, UTC_TIMESTAMP())`, [
    uuid,
    zero.id,
    project,
  ]);
  return uuid;
}

async function liveAttachments(): Promise<{ volume_id: string; instance_uuid: string }[]> {
  return lab.rootQuery(`SELECT volume_id, instance_uuid FROM \`${cinder()}\`.volume_attachment WHERE deleted = 0 AND attach_status = 'attached'`);
}

describe('drp across two cells', () => {
  it('the scenario spreads attached volumes over both cells', () => {
    expect(scenario.cells.map((c) => c.name)).toEqual(['cell0', 'cell1', 'cell2']);
    const cells = new Set(scenario.attached.map((p) => cellOf(p.instance)));
    expect(cells).toEqual(new Set(['cell1', 'cell2']));
  });

  it("dry-run: the plan names each cell read and its attachments, and counts cell0's instances and leaves them alone; nothing changes", async () => {
    await neverScheduled('never-scheduled-1');
    const before = await checksumsOf(lab, everySchema());
    const r = await runCli(['run', 'drp', '--dry-run'], lab.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const expected = { cell1: 0, cell2: 0 } as Record<string, number>;
    for (const a of await liveAttachments()) expected[cellOf(a.instance_uuid)] += 1;
    for (const cell of ['cell1', 'cell2']) {
      const m = new RegExp(`cell ${cell} \\(${schemaOf(cell)} at [^)]*\\) read: (\\d+) volume attachment\\(s\\)`).exec(r.stdout);
      expect(m, `${cell} in the plan:\n${r.stdout}`).not.toBeNull();
      expect(Number(m![1]), cell).toBe(expected[cell]);
      expect(expected[cell]).toBeGreaterThan(0);
    }
    expect(r.stdout).toContain('cell0: 1 instance(s) that never scheduled; drp leaves them alone');
    // The API lists it (ERROR, no host), yet it is not one of the ERROR instances to reset first.
    expect(r.stdout).toMatch(/instance\(s\) in ERROR are left alone/);
    expect(r.stdout).not.toContain('never-scheduled-1');
    // Nor is it something to rehearse on.
    const rehearsal = await runCli(['run', 'drp', '--dry-run', '--test-instance', 'never-scheduled-1'], lab.env);
    expect(rehearsal.code, rehearsal.stdout + rehearsal.stderr).toBe(2);
    expect(rehearsal.stderr).toContain('--test-instance: instance never-scheduled-1 is in cell0: it never scheduled');
    expect(r.stdout).toContain('schema flavour: modern (cells: cell1, cell2)');
    expect(await checksumsOf(lab, everySchema())).toEqual(before);
  });

  it('a cell that does not answer: exit 3 naming it, before anything changes (dry-run too)', async () => {
    const config = await writeLabConfigVariant(lab, 'cell2-down.yaml', (doc) => {
      doc.databases.cells = { cell2: { url: `mysql://root@127.0.0.1:1/${schemaOf('cell2')}` } };
    });
    const env = { ...lab.env, NOVAOPS_CONFIG: config };
    const before = await checksumsOf(lab, everySchema());
    for (const mode of ['--dry-run', '--yes']) {
      const r = await runCli(['run', 'drp', mode], env);
      expect(r.code, `${mode}: ${r.stdout}${r.stderr}`).toBe(3);
      expect(r.stdout + r.stderr).toMatch(/cell cell2 \([^)]*127\.0\.0\.1:1\) does not answer/);
      expect(r.stdout + r.stderr).not.toMatch(/cell cell1 \([^)]*\) does not answer/);
    }
    expect(await checksumsOf(lab, everySchema())).toEqual(before);
  });

  it("a rehearsal on a cell2 instance reads and changes cell2's database alone", async () => {
    const multi = new Set(scenario.multiattach?.attachments.map((a) => a.volume) ?? []);
    const x = scenario.attached.find((p) => cellOf(p.instance) === 'cell2' && !multi.has(p.volume))!.instance;
    const xPairs = scenario.attached.filter((p) => p.instance === x);
    const untouched = [schemaOf('cell1'), schemaOf('cell0')];
    const before = await checksumsOf(lab, untouched);

    const r = await runCli(['run', 'drp', '--test-instance', x, '--yes'], lab.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const dbs = await sqlDatabases(runIdOf(r.stdout));
    expect(dbs.has('cell:cell2'), [...dbs].join(', ')).toBe(true);
    for (const other of ['cell:cell1', 'cell:cell0', 'nova']) expect(dbs.has(other), `${other} in ${[...dbs].join(', ')}`).toBe(false);
    expect(await checksumsOf(lab, untouched)).toEqual(before);
    for (const pair of xPairs) {
      const bdms = await lab.rootQuery<{ device_name: string }[]>(
        `SELECT device_name FROM \`${schemaOf('cell2')}\`.block_device_mapping WHERE volume_id = ? AND instance_uuid = ? AND deleted = 0`,
        [pair.volume, x],
      );
      expect(bdms).toEqual([{ device_name: pair.device }]);
    }
  });

  it('a live run restores every attachment of both cells, each BDM in its own cell', async () => {
    scenario = await lab.scenario('power-loss', SCENARIO);
    const r = await runCli(['run', 'drp', '--yes'], lab.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);

    // Each entry of the volume map names its instance's cell.
    const runId = runIdOf(r.stdout);
    const map = JSON.parse(await readFile(join(lab.stateDir, 'runs', runId, 'artifacts', 'volume-map.json'), 'utf8')) as { entries: { instanceUuid: string; cell: string }[] };
    expect(map.entries.length).toBeGreaterThan(0);
    for (const e of map.entries) expect(e.cell, e.instanceUuid).toBe(cellOf(e.instanceUuid));
    expect(new Set(map.entries.map((e) => e.cell))).toEqual(new Set(['cell1', 'cell2']));

    // The clean-up soft-deleted the BDMs in both cells' databases, one statement per cell.
    const events = await readEvents(transcriptOf(lab.stateDir, runId));
    const bdmWrites = events.flatMap((e) => (e.type === 'op.planned' && e.step === 'clean-db' && /block_device_mapping/.test(e.op.sql ?? '') ? [e.op.db] : []));
    expect(bdmWrites.sort()).toEqual(['cell:cell1', 'cell:cell2']);

    const live = new Set((await liveAttachments()).map((a) => `${a.volume_id}|${a.instance_uuid}`));
    for (const pair of scenario.attached) {
      const own = cellOf(pair.instance);
      const other = own === 'cell1' ? 'cell2' : 'cell1';
      expect(live.has(`${pair.volume}|${pair.instance}`), `cinder attachment of ${pair.volume} on ${pair.instance}`).toBe(true);
      const bdm = (cell: string) =>
        lab.rootQuery<{ device_name: string }[]>(
          `SELECT device_name FROM \`${schemaOf(cell)}\`.block_device_mapping WHERE volume_id = ? AND instance_uuid = ? AND deleted = 0`,
          [pair.volume, pair.instance],
        );
      expect(await bdm(own), `BDM of ${pair.volume} on ${pair.instance} in ${own}`).toEqual([{ device_name: pair.device }]);
      expect(await bdm(other), `BDM of ${pair.volume} on ${pair.instance} in ${other}`).toEqual([]);
      const [volume] = await lab.rootQuery<{ status: string }[]>(`SELECT status FROM \`${cinder()}\`.volumes WHERE id = ?`, [pair.volume]);
      expect(volume.status).toBe('in-use');
    }
  });
});
