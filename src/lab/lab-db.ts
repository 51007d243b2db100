// The lab's own DB access (simulator, scenarios, status): the lab user's credentials come from
// nova.conf exactly as novaops reads them, and one pool serves every schema by qualified names.
import mysql from 'mysql2/promise';
import { readServiceConnection } from './conf-files.js';
import { q } from './db-provision.js';
import type { LabInfo } from './types.js';

export interface LabDb {
  pool: mysql.Pool;
  /** Qualified table names, e.g. t.nova('instances') -> `nl_x_nova`.`instances`. */
  nova(table: string): string;
  cinder(table: string): string;
  placement(table: string): string;
  close(): Promise<void>;
}

export function placementSchema(info: LabInfo): string {
  const s = info.db.schemas.placement;
  if (!s) throw new Error(`the lab in ${info.dir} predates Placement: novaops lab down --wipe, then novaops lab up`);
  return s;
}

export async function openLabDb(info: LabInfo, connectionLimit = 20): Promise<LabDb> {
  const conn = await readServiceConnection(info.novaConf);
  const pool = mysql.createPool({
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    connectionLimit,
    // DATETIME columns hold UTC, as nova and cinder store them.
    timezone: 'Z',
    dateStrings: false,
    supportBigNumbers: true,
  });
  return {
    pool,
    nova: (t) => `${q(info.db.schemas.nova)}.${q(t)}`,
    cinder: (t) => `${q(info.db.schemas.cinder)}.${q(t)}`,
    placement: (t) => `${q(placementSchema(info))}.${q(t)}`,
    close: () => pool.end(),
  };
}
