// Cells v2 in the lab, as every Nova since Pike deploys it: nova_api maps cells, hosts and
// instances; cell0 holds the instances that never scheduled; cell1 is the `nova` schema that
// nova.conf's [database] names; cell2 exists in every lab and is mapped only when a scenario asks
// for two cells. Names and schema suffixes are a contract other code relies on.
import { ExitCode, NovaopsError } from '../errors.js';
import { uuidFromText } from './placement-db.js';
import type { LabInfo } from './types.js';

export type CellName = 'cell0' | 'cell1' | 'cell2';
export const CELL_NAMES: readonly CellName[] = ['cell0', 'cell1', 'cell2'];
/** nova/objects/cell_mapping.py CellMapping.CELL0_UUID. */
export const CELL0_UUID = '00000000-0000-0000-0000-000000000000';
/** How many cells with compute hosts a scenario may ask for (`--cells`). */
export type CellCount = 1 | 2;

export interface CellSchemas {
  api: string;
  cell0: string;
  cell1: string;
  cell2: string;
}

/** The lab's cells v2 schemas; a lab made before the lab had them is refused with what to do. */
export function cellSchemas(info: Pick<LabInfo, 'dir' | 'db'>): CellSchemas {
  const s = info.db.schemas;
  if (!s.novaApi || !s.novaCell0 || !s.novaCell2) {
    throw new NovaopsError(`the lab in ${info.dir} predates cells v2: novaops lab down --wipe, then novaops lab up`, undefined, ExitCode.usage);
  }
  return { api: s.novaApi, cell0: s.novaCell0, cell1: s.nova, cell2: s.novaCell2 };
}

/** cell0's uuid is fixed; the others are stable per lab (derived from the cell's schema) so resets keep them. */
export function cellUuid(name: CellName, schema: string): string {
  return name === 'cell0' ? CELL0_UUID : uuidFromText(`novaops-lab cell ${schema}`);
}

/** The `--cells` value: 1 or 2, anything else is a usage error (exit 2). */
export function cellCount(value: unknown): CellCount {
  if (value === undefined || value === null) return 1;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (n === 1 || n === 2) return n;
  throw new NovaopsError(`--cells: '${String(value)}' is not a number of cells the lab builds (1 or 2)`, 'use --cells 1 (the default) or --cells 2', ExitCode.usage);
}

/**
 * Which cell each compute host is in: one cell holds them all; with two, cell1 takes the first
 * half (rounded up) and cell2 the rest, as `nova-manage cell_v2 discover_hosts` would map computes
 * configured for each cell.
 */
export function splitHosts(hosts: string[], cells: CellCount): Map<string, CellName> {
  if (cells === 2 && hosts.length < 2) {
    throw new NovaopsError(`--cells 2 needs a lab with at least 2 hosts (it has ${hosts.length})`, 'novaops lab down --wipe, then novaops lab up --hosts 3', ExitCode.usage);
  }
  const first = cells === 1 ? hosts.length : Math.ceil(hosts.length / 2);
  return new Map(hosts.map((h, i) => [h, i < first ? 'cell1' : 'cell2']));
}
