// `novaops lab status`: lab.json plus whether each part is actually alive right now, and the cells
// nova_api maps (each with its database, its compute hosts and how many instances it holds).
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { readServiceConnection } from './conf-files.js';
import { openLabDb } from './lab-db.js';
import { readLabInfo } from './lab-info-file.js';
import { isAlive } from './process-util.js';
import type { LabInfo } from './types.js';

export interface LabStatus extends LabInfo {
  live: {
    dbReachable: boolean;
    dbError?: string;
    dbProcessAlive?: boolean;
    apiAnswering: boolean;
    apiError?: string;
    simulatorProcessAlive?: boolean;
  };
  /** Read when the database answers. */
  cells?: LabCellStatus[];
  /** Why the cells could not be read (an older lab, the database down). */
  cellsError?: string;
}

export interface LabCellStatus {
  name: string;
  uuid: string;
  schema: string;
  hosts: string[];
  /** Instances not deleted. */
  instances: number;
}

export async function labStatus(opts: { stateDir: string }): Promise<LabStatus> {
  const info = await readLabInfo({ stateDir: opts.stateDir });
  const live: LabStatus['live'] = { dbReachable: false, apiAnswering: false };
  const status: LabStatus = { ...info, live };
  if (info.db.pid) live.dbProcessAlive = isAlive(info.db.pid);
  if (info.api.pid) live.simulatorProcessAlive = isAlive(info.api.pid);
  try {
    const c = await readServiceConnection(info.novaConf);
    const conn = await mysql.createConnection({ host: c.host, port: c.port, user: c.user, password: c.password, connectTimeout: 3000 });
    await conn.query('SELECT 1');
    await conn.end();
    live.dbReachable = true;
  } catch (e) {
    // Never echo the connection string: it carries the password.
    live.dbError = (e as { code?: string }).code ?? 'unreachable';
  }
  if (live.dbReachable) {
    try {
      status.cells = await readCells(info);
    } catch (e) {
      status.cellsError = (e as Error).message;
    }
  }
  try {
    const r = await fetch(`${info.api.url}/identity/v3`, { signal: AbortSignal.timeout(3000) });
    live.apiAnswering = r.ok;
    if (!r.ok) live.apiError = `HTTP ${r.status}`;
  } catch (e) {
    live.apiError = (e as Error).message;
  }
  return status;
}

async function readCells(info: LabInfo): Promise<LabCellStatus[]> {
  const db = await openLabDb(info, 1);
  try {
    const out: LabCellStatus[] = [];
    for (const cell of await db.mappedCells()) {
      const [hosts] = await db.pool.query<RowDataPacket[]>(`SELECT host FROM ${db.api('host_mappings')} WHERE cell_id = ? ORDER BY host`, [cell.id]);
      const [[count]] = await db.pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${cell.nova('instances')} WHERE deleted = 0`);
      out.push({ name: cell.name, uuid: cell.uuid, schema: cell.schema, hosts: hosts.map((h) => String(h.host)), instances: Number(count.n) });
    }
    return out;
  } finally {
    await db.close();
  }
}
