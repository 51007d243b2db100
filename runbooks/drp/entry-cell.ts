// Which cell database holds a map entry's block device mappings. New maps name the cell of each
// entry; a map captured before novaops knew cells names none, and means its cloud's one cell.
import { RefusedError } from '../../src/engine/errors.js';
import type { StepContext } from '../../src/engine/runbook.js';
import { workingCells, type Cell } from '../../src/operations/cells.js';
import { showList } from '../../src/values/show-value.js';
import { cellNamed } from '../lib/cells.js';
import type { Attachment } from '../lib/schema-flavour.js';
import type { MapEntry } from './volume-map.js';

const WHY = 'the volume map puts attachments in it, and drp cleans their block device mappings there';

function cellOfUnnamed(ctx: StepContext): Cell {
  if (!ctx.cells.mapped) return ctx.cells.cells[0];
  const working = workingCells(ctx.cells);
  if (working.length === 1) return cellNamed(ctx, working[0].name, WHY);
  throw new RefusedError(
    `the volume map names no cell for its attachments (it was captured before novaops read nova_api), and this cloud has ${working.length} cells: ${showList(working.map((c) => c.name))}`,
    'the attachments cannot be cleaned in a cell the map does not name: give this run up (novaops abandon <run>), re-attach its volumes from volume-map.tsv by hand, or start a new drp',
  );
}

/** The map's entries as attachments to clean, each with its cell's database; refused when a cell does not answer. */
export function withCellDb(ctx: StepContext, entries: readonly MapEntry[]): (MapEntry & Attachment)[] {
  const cache = new Map<string, Cell>();
  // 'nova' is the one cell of a cloud read without nova_api: a map captured so, resumed with a
  // config that names the API database, means that cloud's one cell, like a map with no cells.
  const unnamed = (cell: string | undefined) => cell === undefined || (cell === 'nova' && ctx.cells.mapped && !ctx.cells.cells.some((c) => c.name === 'nova'));
  return entries.map((e) => {
    const key = unnamed(e.cell) ? '' : e.cell!;
    if (!cache.has(key)) cache.set(key, key === '' ? cellOfUnnamed(ctx) : cellNamed(ctx, key, WHY));
    return { ...e, db: cache.get(key)!.db };
  });
}
