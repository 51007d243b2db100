// failed-node in a cloud of two cells (`lab scenario failed-node --cells 2`), through the real CLI:
// the failed host and its target share a cell, the third host and its instances are in the other.
// A target in the other cell is refused before a run exists, nothing changed; both methods read and
// change the failed host's cell only (the other cell's schema checksummed before and after, and no
// statement of the run names its database); the other cell not answering does not stop the run,
// the failed host's own cell not answering does (exit 3).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailedNodeSummary } from '../../src/lab/index.js';
import { runCli } from '../support/cli.js';
import { checksumsOf } from '../support/db-snapshot.js';
import type { TestLab } from '../support/lab.js';
import { writeLabConfigVariant } from '../support/lab-config.js';
import { runIdIn, sqlDatabases } from '../support/sql-databases.js';
import { runIds } from '../support/transcript-watch.js';
import { createFailedNodeLab, dbDigest, failedNode, runArgs } from './support.js';

let lab: TestLab;

beforeAll(async () => {
  lab = await createFailedNodeLab(3);
});
afterAll(async () => lab?.destroy());

function cellsOf(s: FailedNodeSummary) {
  const own = s.cells.find((c) => c.name === s.failedCell)!;
  const other = s.cells.find((c) => c.name !== s.failedCell && c.name !== 'cell0')!;
  const otherHost = other.hosts[0];
  expect([own.hosts.sort(), otherHost]).toEqual([[s.failedHost, s.targetHost].sort(), s.hosts.find((h) => h !== s.failedHost && h !== s.targetHost)]);
  return { own, other, otherHost };
}

async function hostsIn(schema: string, uuids: string[]): Promise<Record<string, string>> {
  const rows = await lab.rootQuery<{ uuid: string; host: string }[]>(`SELECT uuid, host FROM \`${schema}\`.instances WHERE deleted = 0 AND uuid IN (?)`, [uuids]);
  return Object.fromEntries(rows.map((r) => [r.uuid, r.host]));
}

/** The cell databases the run's SQL named other than the failed host's: none may be. */
async function otherCellsNamed(stdout: string, s: FailedNodeSummary): Promise<string[]> {
  const dbs = await sqlDatabases(lab.stateDir, runIdIn(stdout, 'failed-node'));
  expect(dbs).toContain(`cell:${s.failedCell}`);
  return [...dbs].filter((d) => d === 'nova' || (d.startsWith('cell:') && d !== `cell:${s.failedCell}`));
}

describe('failed-node with two cells', () => {
  it('refuses a target in the other cell before a run exists, naming both cells and the target to pick; nothing changed', async () => {
    const s = await failedNode(lab, { cells: 2 });
    const { other, otherHost } = cellsOf(s);
    const runs = await runIds(lab.stateDir);
    const before = await dbDigest(lab);
    const every = await checksumsOf(lab, s.cells.map((c) => c.schema));
    for (const method of ['db', 'evacuate']) {
      const r = await runCli(['run', 'failed-node', '--failed-host', s.failedHost, '--target-host', otherHost, '--method', method, '--yes'], lab.env);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain(`--target-host ${otherHost} is in cell ${other.name}, --failed-host ${s.failedHost} in cell ${s.failedCell}: Nova never moves an instance across cells`);
      expect(r.stderr).toContain(`pick a target in cell ${s.failedCell}: ${s.targetHost}`);
    }
    expect(await runIds(lab.stateDir)).toEqual(runs);
    expect(await dbDigest(lab)).toEqual(before);
    expect(await checksumsOf(lab, s.cells.map((c) => c.schema))).toEqual(every);
  });

  it('--method db: the plan names the cell; the move changes the failed host\'s cell only', async () => {
    const s = await failedNode(lab, { cells: 2, sharedStorage: true, seed: 21 });
    const { own, other } = cellsOf(s);
    const otherBefore = await checksumsOf(lab, [other.schema]);

    const dry = await runCli([...runArgs(lab, s, '--method', 'db'), '--dry-run'], lab.env);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`${s.failedHost} and ${s.targetHost} are in cell ${s.failedCell} (${own.schema} at `);
    expect(dry.stdout).toContain(`plan: SQL [cell:${s.failedCell}] UPDATE instances SET host = ?, node = ?`);
    expect(dry.stdout).not.toContain(`cell:${other.name}`);

    const run = await runCli([...runArgs(lab, s, '--method', 'db'), '--yes'], lab.env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const moved = s.instances.filter((i) => i.host === s.failedHost && i.kind !== 'service-vm').map((i) => i.uuid);
    expect(moved.length).toBeGreaterThan(0);
    expect(await hostsIn(own.schema, moved)).toEqual(Object.fromEntries(moved.map((u) => [u, s.targetHost])));
    expect(await checksumsOf(lab, [other.schema])).toEqual(otherBefore);
    expect(await otherCellsNamed(run.stdout, s)).toEqual([]);
  });

  it('--method evacuate: the other cell\'s rows untouched', async () => {
    const s = await failedNode(lab, { cells: 2, sharedStorage: true, seed: 5 });
    const { own, other } = cellsOf(s);
    const otherBefore = await checksumsOf(lab, [other.schema]);
    const run = await runCli([...runArgs(lab, s), '--yes'], lab.env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const moved = s.instances.filter((i) => i.host === s.failedHost && i.kind !== 'service-vm').map((i) => i.uuid);
    expect(await hostsIn(own.schema, moved)).toEqual(Object.fromEntries(moved.map((u) => [u, s.targetHost])));
    expect(await checksumsOf(lab, [other.schema])).toEqual(otherBefore);
    expect(await otherCellsNamed(run.stdout, s)).toEqual([]);
  });

  it('the other cell not answering does not stop it; its own cell not answering does (exit 3, nothing changed)', async () => {
    const s = await failedNode(lab, { cells: 2, sharedStorage: true, seed: 9 });
    const { other } = cellsOf(s);
    const closed = (name: string) =>
      writeLabConfigVariant(lab, `novaops-${name}-down.yaml`, (doc) => {
        doc.databases = { ...(doc.databases ?? {}), cells: { [name]: { url: 'mysql+pymysql://nova:x@127.0.0.1:1/nova' } } };
      });
    const otherDown = await closed(other.name);
    const dry = await runCli([...runArgs(lab, s, '--method', 'db'), '--dry-run'], { ...lab.env, NOVAOPS_CONFIG: otherDown });
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`of which ${other.name} does not answer`);

    const ownDown = await closed(s.failedCell);
    const before = await dbDigest(lab);
    const runs = await runIds(lab.stateDir);
    const r = await runCli([...runArgs(lab, s, '--method', 'db'), '--yes'], { ...lab.env, NOVAOPS_CONFIG: ownDown });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stderr).toContain(`cell ${s.failedCell} (`);
    expect(r.stderr).toContain(`does not answer`);
    expect(await runIds(lab.stateDir)).toEqual(runs);
    expect(await dbDigest(lab)).toEqual(before);
  });
});
