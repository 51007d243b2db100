// How the simulated nova-api reaches cells, as nova-api does: an instance through its
// instance_mappings row, a host through host_mappings, and lists by asking every mapped cell and
// merging the answers (nova's scatter_gather_cells). cell0 holds instances that never scheduled and
// no services, so the service, hypervisor and compute views leave it out.
import type { CellDb, MappedCell } from '../lab-db.js';
import { CELL0_UUID } from '../cells.js';
import type { SimState } from './context.js';

/** Cells that run computes: every mapped cell but cell0. */
export async function computeCells(sim: SimState): Promise<MappedCell[]> {
  return (await sim.db.mappedCells()).filter((c) => c.uuid !== CELL0_UUID);
}

/** Rows grouped by the cell they came from, in first-seen order. */
export function groupByCell<T extends { cell: CellDb }>(rows: T[]): { cell: CellDb; rows: T[] }[] {
  const groups = new Map<string, { cell: CellDb; rows: T[] }>();
  for (const r of rows) {
    const g = groups.get(r.cell.schema) ?? { cell: r.cell, rows: [] };
    g.rows.push(r);
    groups.set(r.cell.schema, g);
  }
  return [...groups.values()];
}
