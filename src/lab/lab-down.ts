// `novaops lab down [--wipe]`: stop what lab up started (by recorded pid); with wipe also drop
// the schemas and the lab user (shared server) and delete the lab directory.
import { rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { adminConnection, dropDatabases } from './db-provision.js';
import { parseDbUrl } from './db-url.js';
import { readLabInfo } from './lab-info-file.js';
import { labDir, labPaths } from './paths.js';
import { stopPrivateMariadb } from './private-mariadb.js';
import { stopPid } from './process-util.js';
import type { LabInfo } from './types.js';
import { releaseImmutable } from './scenarios/uid-mismatch.js';

export interface LabDownOptions {
  stateDir: string;
  wipe?: boolean;
  /** Admin URL of the shared server (defaults to NOVAOPS_LAB_DB, then root@127.0.0.1:3306). */
  dbServer?: string;
}

export async function labDown(opts: LabDownOptions): Promise<{ stopped: string[]; wiped: boolean }> {
  const dir = labDir(opts.stateDir);
  if (!existsSync(labPaths(dir).labJson)) {
    if (opts.wipe) await rm(dir, { recursive: true, force: true });
    return { stopped: [], wiped: Boolean(opts.wipe) };
  }
  const info = await readLabInfo({ labDir: dir });
  const stopped: string[] = [];
  if (info.api.pid) {
    await stopPid(info.api.pid, 10_000);
    stopped.push(`simulator (pid ${info.api.pid})`);
  }
  if (opts.wipe && !info.db.private) await dropShared(info, opts.dbServer);
  if (info.db.private && info.db.pid) {
    await stopPrivateMariadb(info.db.pid);
    stopped.push(`mariadbd (pid ${info.db.pid})`);
  }
  // An immutable file (uid-mismatch's chown failures) would stop rm halfway.
  if (opts.wipe) releaseImmutable(dir);
  if (opts.wipe) await rm(dir, { recursive: true, force: true });
  return { stopped, wiped: Boolean(opts.wipe) };
}

async function dropShared(info: LabInfo, dbServer: string | undefined): Promise<void> {
  const url = dbServer ?? process.env.NOVAOPS_LAB_DB ?? `mysql://root:@${info.db.host}:${info.db.port}`;
  const conn = await adminConnection(parseDbUrl(url));
  try {
    const s = info.db.schemas;
    const schemas = [s.nova, s.novaCell0, s.novaCell2, s.novaApi, s.cinder, s.placement].filter((x): x is string => Boolean(x));
    await dropDatabases(conn, schemas, info.db.user);
  } finally {
    await conn.end();
  }
}
