// Is a nova service up? nova/servicegroup/api.py + drivers/db.py: forced_down means down; otherwise
// up while the last heartbeat (services.last_seen_up, else created_at - never updated_at, which an
// API change to the row also moves) is at most service_down_time old. Computed in SQL so the DB
// clock is the only clock. Services live in their cell's database: a list asks every compute cell,
// a host's service is looked for in the cell its host mapping names.
import type { RowDataPacket } from 'mysql2/promise';
import { existsSync } from 'node:fs';
import { hostPaths } from '../paths.js';
import type { CellDb } from '../lab-db.js';
import { computeCells } from './cells.js';
import type { SimState } from './context.js';

export interface ServiceRow extends RowDataPacket {
  id: number;
  uuid: string | null;
  host: string;
  binary: string;
  topic: string | null;
  disabled: number | null;
  disabled_reason: string | null;
  forced_down: number | null;
  updated_at: Date | null;
  created_at: Date | null;
  last_seen_up: Date | null;
  up: number;
  /** The cell database the row is in (ids count per cell). */
  cell: CellDb;
}

/** SQL for "this row's service is up", with the service_down_time (ms) as its one parameter. */
export function serviceUpSql(alias = ''): string {
  const c = (col: string) => (alias ? `${alias}.${col}` : col);
  return `(COALESCE(${c('forced_down')}, 0) = 0 AND ABS(TIMESTAMPDIFF(MICROSECOND, COALESCE(${c('last_seen_up')}, ${c('created_at')}), UTC_TIMESTAMP(6))) <= ? * 1000)`;
}

const COLUMNS = 'id, uuid, host, `binary`, topic, disabled, disabled_reason, forced_down, updated_at, created_at, last_seen_up';

/** `cells`: where to look (default: every cell that runs computes, in cell_mappings order). */
export async function listServiceRows(
  sim: SimState,
  filter: { host?: string; binary?: string; uuid?: string; id?: number } = {},
  cells?: CellDb[],
): Promise<ServiceRow[]> {
  const where = ['deleted = 0'];
  const params: unknown[] = [sim.settings.serviceDownTimeMs];
  if (filter.host !== undefined) (where.push('host = ?'), params.push(filter.host));
  if (filter.binary !== undefined) (where.push('`binary` = ?'), params.push(filter.binary));
  if (filter.uuid !== undefined) (where.push('uuid = ?'), params.push(filter.uuid));
  if (filter.id !== undefined) (where.push('id = ?'), params.push(filter.id));
  const out: ServiceRow[] = [];
  for (const cell of cells ?? (await computeCells(sim))) {
    const [rows] = await sim.db.pool.query<ServiceRow[]>(
      `SELECT ${COLUMNS}, ${serviceUpSql()} AS up FROM ${cell.nova('services')} WHERE ${where.join(' AND ')} ORDER BY id`,
      params,
    );
    for (const r of rows) out.push(Object.assign(r, { cell }));
  }
  return out;
}

/**
 * The nova-compute service of a host, looked for in `cell` or else in the cell its host mapping
 * names; undefined when there is none there (Nova: HostMappingNotFound or ComputeHostNotFound).
 */
export async function computeService(sim: SimState, host: string, cell?: CellDb): Promise<ServiceRow | undefined> {
  const where = cell ?? (await sim.db.cellOfHost(host));
  if (!where) return undefined;
  return (await listServiceRows(sim, { host, binary: 'nova-compute' }, [where]))[0];
}

/** A simulated host whose power is off: its nova-compute neither heartbeats nor does any work. */
export function hostPoweredOff(sim: SimState, host: string): boolean {
  return sim.info.hosts.includes(host) && existsSync(hostPaths(sim.info.dir, host).poweredOff);
}
