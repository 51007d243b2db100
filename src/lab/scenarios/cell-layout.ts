// Where a scenario's compute hosts live: which cell each is in, the nova_api rows that say so, and
// what scenario.json tells about the cells (tests read it to know which schema holds what).
import { cellSchemas, splitHosts, type CellCount, type CellName } from '../cells.js';
import { writeCellMappings, writeHostAndInstanceMappings } from '../cell-mappings.js';
import { ExitCode, NovaopsError } from '../../errors.js';
import type { LabDb } from '../lab-db.js';
import type { LabInfo } from '../types.js';

/** Host -> cell. */
export type CellLayout = Map<string, CellName>;

export interface ScenarioCell {
  name: CellName;
  uuid: string;
  /** The cell's database on the lab's server. */
  schema: string;
  /** Compute hosts mapped to it (none for cell0). */
  hosts: string[];
}

/** The default layout (splitHosts); nova-volume labs are older than cells v2 and take one cell only. */
export function scenarioLayout(info: LabInfo, cells: CellCount): CellLayout {
  if (cells === 2 && info.flavour !== 'modern') {
    throw new NovaopsError('--cells 2: a nova-volume lab predates cells v2 and has one cell', 'novaops lab down --wipe, then novaops lab up --flavour modern', ExitCode.usage);
  }
  cellSchemas(info);
  return splitHosts(info.hosts, cells);
}

/** The cell a host is in; a host outside the layout is a bug in the scenario, never a default. */
export function cellOf(layout: CellLayout, host: string): CellName {
  const cell = layout.get(host);
  if (!cell) throw new Error(`host ${host} is in no cell of this scenario`);
  return cell;
}

/** The cells holding compute hosts, cell1 first. */
export function computeCells(layout: CellLayout): CellName[] {
  return (['cell1', 'cell2'] as const).filter((c) => [...layout.values()].includes(c));
}

/** cell_mappings (cell0, cell1, cell2 when used), host_mappings and instance_mappings; the cells for scenario.json. */
export async function writeCellLayout(
  db: LabDb,
  layout: CellLayout,
  instances: { uuid: string; host: string; projectId: string; userId: string; createdAt: Date }[],
): Promise<ScenarioCell[]> {
  const cells: CellCount = computeCells(layout).includes('cell2') ? 2 : 1;
  await writeCellMappings(db.pool, db.schemas, { host: db.server.host, port: db.server.port, user: db.server.user, password: db.server.password }, cells);
  await writeHostAndInstanceMappings(db, layout, instances);
  return (await db.mappedCells()).map((c) => ({
    name: c.name as CellName,
    uuid: c.uuid,
    schema: c.schema,
    hosts: [...layout].filter(([, cell]) => cell === c.name).map(([h]) => h),
  }));
}
