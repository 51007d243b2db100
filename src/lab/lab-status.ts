// `novaops lab status`: lab.json plus whether each part is actually alive right now.
import mysql from 'mysql2/promise';
import { readServiceConnection } from './conf-files.js';
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
}

export async function labStatus(opts: { stateDir: string }): Promise<LabStatus> {
  const info = await readLabInfo({ stateDir: opts.stateDir });
  const live: LabStatus['live'] = { dbReachable: false, apiAnswering: false };
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
  try {
    const r = await fetch(`${info.api.url}/identity/v3`, { signal: AbortSignal.timeout(3000) });
    live.apiAnswering = r.ok;
    if (!r.ok) live.apiError = `HTTP ${r.status}`;
  } catch (e) {
    live.apiError = (e as Error).message;
  }
  return { ...info, live };
}
