// A private mariadbd for `novaops lab up` on a machine that has the binary: its own datadir,
// socket and loopback port under the lab dir, so the lab never touches a system database.
import { spawn, execFile } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { labPaths } from './paths.js';
import { freeLoopbackPort } from './free-port.js';
import { isAlive, stopPid } from './process-util.js';

const run = promisify(execFile);

export function findMariadbd(): string | undefined {
  if (existsSync('/usr/sbin/mariadbd')) return '/usr/sbin/mariadbd';
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'mariadbd');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function findInstallDb(mariadbd: string): string {
  const candidates = [
    path.join(path.dirname(mariadbd), 'mariadb-install-db'),
    '/usr/bin/mariadb-install-db',
    ...(process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'mariadb-install-db')),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error('mariadbd found but mariadb-install-db is missing');
  return found;
}

export interface PrivateServer {
  port: number;
  pid: number;
  dataDir: string;
}

export async function startPrivateMariadb(labDirectory: string, mariadbd: string): Promise<PrivateServer> {
  const p = labPaths(labDirectory);
  await mkdir(p.mysqlData, { recursive: true });
  // root with an empty password on loopback only; unix_socket auth would need client support.
  await run(findInstallDb(mariadbd), [
    '--no-defaults',
    `--datadir=${p.mysqlData}`,
    '--user=root',
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
  ]);
  const port = await freeLoopbackPort();
  const log = openSync(p.mysqlLog, 'a');
  const child = spawn(
    mariadbd,
    [
      '--no-defaults',
      `--datadir=${p.mysqlData}`,
      `--socket=${p.mysqlSocket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--pid-file=${p.mysqlPid}`,
      `--log-error=${p.mysqlLog}`,
      '--user=root',
      '--skip-name-resolve',
      '--innodb-flush-log-at-trx-commit=2',
      '--max-connections=500',
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  child.unref();
  const pid = child.pid;
  if (!pid) throw new Error('mariadbd did not start');
  await waitReady(port, pid, p.mysqlLog);
  return { port, pid, dataDir: p.mysqlData };
}

async function waitReady(port: number, pid: number, logFile: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) break;
    try {
      const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', password: '' });
      await c.end();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  const tail = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
  throw new Error(`private mariadbd did not become ready on 127.0.0.1:${port}\n${tail}`);
}

export async function stopPrivateMariadb(pid: number): Promise<void> {
  // mariadbd shuts down cleanly on SIGTERM; give InnoDB time to flush before giving up.
  await stopPid(pid, 30_000);
}
