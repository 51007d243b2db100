// The cells of a cloud as a run sees them (DESIGN.md section 7, cells v2). Nova keeps each cell's
// instances, services, compute nodes and block device mappings in that cell's database, and
// nova_api says which cell a host or an instance is in. A cloud whose nova.conf names no API
// database is treated as one cell, `nova`, as before cells existed.
import { selectRows } from './sql.js';
import type { CellDbName, DbName, SqlOperation } from './types.js';

export interface Cell {
  /** The mapping's name (its uuid where it has none); 'nova' for a cloud with no API database. */
  name: string;
  uuid: string | null;
  db: DbName;
  /** cell0 holds the instances that never scheduled: read, never changed. */
  cell0: boolean;
  /** The schema and server, for the plan and doctor (never the credentials). */
  where: string;
}

export interface CellDirectory {
  /** True when the cells come from nova_api.cell_mappings. */
  mapped: boolean;
  cells: Cell[];
  /** Cells whose database did not answer, by name, with why. */
  unreachable: Record<string, string>;
}

export function cellDbName(name: string): CellDbName {
  return `cell:${name}`;
}

/** A cloud novaops knows no API database for: its nova database is the one cell. */
export function singleCell(where: string): CellDirectory {
  return { mapped: false, cells: [{ name: 'nova', uuid: null, db: 'nova', cell0: false, where }], unreachable: {} };
}

/** The cells instances run in: every cell but cell0. */
export function workingCells(dir: CellDirectory): Cell[] {
  return dir.cells.filter((c) => !c.cell0);
}

export function hostMappingsRead(hosts: readonly string[]): SqlOperation & { mutating: false } {
  return selectRows(
    'nova_api',
    `read the cell of ${hosts.length === 1 ? `host ${hosts[0]}` : `${hosts.length} hosts`} (host_mappings)`,
    `SELECT h.host, c.uuid AS cell_uuid, c.name AS cell_name FROM host_mappings h JOIN cell_mappings c ON c.id = h.cell_id WHERE h.host IN (${hosts.map(() => '?').join(', ')})`,
    [...hosts],
  );
}

export function instanceMappingsRead(uuids: readonly string[]): SqlOperation & { mutating: false } {
  return selectRows(
    'nova_api',
    `read the cell of ${uuids.length === 1 ? `instance ${uuids[0]}` : `${uuids.length} instances`} (instance_mappings)`,
    `SELECT m.instance_uuid, c.uuid AS cell_uuid, c.name AS cell_name FROM instance_mappings m LEFT JOIN cell_mappings c ON c.id = m.cell_id WHERE m.instance_uuid IN (${uuids.map(() => '?').join(', ')})`,
    [...uuids],
    uuids.length === 1 ? { instance: uuids[0] } : {},
  );
}
