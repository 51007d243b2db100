// The volume map and the clean-up statements of a cloud of several cells: each BDM statement goes
// to its entries' cell database (one per cell), Cinder's are as before; a map written before maps
// named cells still loads, and means its cloud's one cell, or is refused where there are several.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefusedError } from '../../src/engine/errors.js';
import type { StepContext } from '../../src/engine/runbook.js';
import { singleCell, type CellDirectory } from '../../src/operations/cells.js';
import { cleanupOps } from '../../runbooks/lib/schema-flavour.js';
import { withCellDb } from '../../runbooks/drp/entry-cell.js';
import { MAP_JSON, MAP_TSV, readVolumeMap, writeVolumeMap, type MapEntry } from '../../runbooks/drp/volume-map.js';

const entry = (volumeId: string, instanceUuid: string, cell?: string): MapEntry => ({
  volumeId,
  instanceUuid,
  instanceName: `vm-${instanceUuid}`,
  device: '/dev/vdb',
  host: 'compute1',
  multiattach: false,
  ...(cell ? { cell } : {}),
});

const cell = (name: string, cell0 = false) => ({ name, uuid: `uuid-${name}`, db: `cell:${name}` as const, cell0, where: `nova_${name} at 127.0.0.1:3306` });
const mapped = (names: string[], unreachable: Record<string, string> = {}): CellDirectory => ({ mapped: true, cells: [cell('cell0', true), ...names.map((n) => cell(n))], unreachable });
const ctxOf = (cells: CellDirectory) => ({ cells }) as unknown as StepContext;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'novaops-cells-map-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function dirArtifacts(at: string) {
  return {
    dir: at,
    write: async (name: string, content: string) => {
      await writeFile(path.join(at, name), content);
      return path.join(at, name);
    },
    read: async (name: string) => readFile(path.join(at, name), 'utf8').catch(() => undefined),
    exists: async () => false,
    stream: async () => {
      throw new Error('not used');
    },
  };
}

describe('cleanupOps across cells', () => {
  it("one BDM statement per cell, in that cell's database; Cinder's statements cover every pair", () => {
    const entries = [
      { ...entry('v1', 'i1'), db: 'cell:cell2' as const },
      { ...entry('v2', 'i2'), db: 'cell:cell1' as const },
      { ...entry('v3', 'i3'), db: 'cell:cell2' as const },
    ];
    const ops = cleanupOps('modern', entries);
    const bdm = ops.filter((o) => o.sql.includes('block_device_mapping'));
    expect(bdm.map((o) => [o.db, o.params])).toEqual([
      ['cell:cell1', ['v2', 'i2']],
      ['cell:cell2', ['v1', 'i1', 'v3', 'i3']],
    ]);
    expect(bdm.map((o) => o.summary)).toEqual([
      "soft-delete Nova's block_device_mapping rows of 1 attachment(s) in cell cell1 (never a boot volume's)",
      "soft-delete Nova's block_device_mapping rows of 2 attachment(s) in cell cell2 (never a boot volume's)",
    ]);
    expect(bdm.every((o) => o.backup?.params.length === o.params.length && o.target.db === o.db)).toBe(true);
    const cinder = ops.filter((o) => o.db === 'cinder');
    expect(cinder).toHaveLength(2);
    expect(cinder[0].params).toEqual(['v1', 'i1', 'v2', 'i2', 'v3', 'i3']);
    // cinder-columns: the same per-cell BDM statements after its one Cinder statement.
    expect(cleanupOps('cinder-columns', entries).map((o) => o.db)).toEqual(['cinder', 'cell:cell1', 'cell:cell2']);
  });

  it("entries that name no database keep the one 'nova' statement of a cloud without cells", () => {
    const ops = cleanupOps('modern', [entry('v1', 'i1'), entry('v2', 'i2')]);
    expect(ops.map((o) => o.db)).toEqual(['cinder', 'cinder', 'nova']);
    expect(ops[2].summary).toBe("soft-delete Nova's block_device_mapping rows of 2 attachment(s) (never a boot volume's)");
  });
});

describe('the volume map and its cells', () => {
  it('writes each entry’s cell in the JSON and as the last TSV column', async () => {
    const at = await mkdtemp(path.join(dir, 'new-'));
    const map = { capturedAt: '2026-01-01T00:00:00Z', runId: 'r1', flavour: 'modern', scope: null, entries: [entry('v1', 'i1', 'cell2')] };
    await writeVolumeMap(dirArtifacts(at), map);
    expect((await readVolumeMap(dirArtifacts(at)))!.map.entries[0].cell).toBe('cell2');
    const tsv = (await readFile(path.join(at, MAP_TSV), 'utf8')).split('\n');
    expect(tsv[0]).toBe('# volume\tinstance\tmount_point\tinstance_name\thost\tcell');
    expect(tsv[1]).toBe('v1\ti1\t/dev/vdb\tvm-i1\tcompute1\tcell2');
  });

  it('a map written before cells loads; its entries mean the legacy nova database or the one working cell, and several cells refuse', async () => {
    const at = await mkdtemp(path.join(dir, 'old-'));
    const { cell: _none, ...old } = entry('v1', 'i1', 'x');
    await writeFile(path.join(at, MAP_JSON), JSON.stringify({ capturedAt: '2025-01-01T00:00:00Z', runId: 'r0', flavour: 'modern', scope: null, entries: [old] }));
    const loaded = (await readVolumeMap(dirArtifacts(at)))!.map.entries;
    expect(loaded[0].cell).toBeUndefined();

    expect(withCellDb(ctxOf(singleCell('nova at 127.0.0.1:3306')), loaded).map((e) => e.db)).toEqual(['nova']);
    expect(withCellDb(ctxOf(mapped(['cell1'])), loaded).map((e) => e.db)).toEqual(['cell:cell1']);
    const refused = (() => {
      try {
        withCellDb(ctxOf(mapped(['cell1', 'cell2'])), loaded);
      } catch (error) {
        return error as RefusedError;
      }
    })();
    expect(refused).toBeInstanceOf(RefusedError);
    expect(refused!.message).toContain('names no cell');
    expect(refused!.message).toContain('cell1, cell2');
  });

  it("an entry's cell is refused when nova_api no longer maps it or its database does not answer", () => {
    expect(withCellDb(ctxOf(mapped(['cell1', 'cell2'])), [entry('v1', 'i1', 'cell2')]).map((e) => e.db)).toEqual(['cell:cell2']);
    expect(() => withCellDb(ctxOf(mapped(['cell1'])), [entry('v1', 'i1', 'cell2')])).toThrow(/cell cell2 is not mapped in this cloud/);
    expect(() => withCellDb(ctxOf(mapped(['cell1', 'cell2'], { cell2: 'connect ECONNREFUSED 127.0.0.1:1' })), [entry('v1', 'i1', 'cell2')])).toThrow(
      /cell cell2 \(nova_cell2 at 127\.0\.0\.1:3306\) does not answer: connect ECONNREFUSED/,
    );
  });
});
