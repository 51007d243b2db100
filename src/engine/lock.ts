// One mutating run per cloud (invariant 8). The database advisory lock is the authority: it is
// visible from every machine that reaches the cloud's database and dies with the process that
// holds it. The lock file beside the runs says who holds it, for the refusal message.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readIfExists } from '../effects/files/durable-write.js';
import { ensureDir, removeFile, writePrivateFile } from '../effects/files/local-files.js';
import type { SqlEffect } from '../effects/types.js';
import { RefusedError } from './errors.js';

export interface LockHolder {
  runId: string;
  runbook: string;
  pid: number;
  operator: string;
  host: string;
  startedAt: string;
}

export interface RunLock {
  /** True until release(): what RunStore.claim() asks before a run's directory may be written. */
  held(): boolean;
  release(): Promise<void>;
}

/**
 * Advisory locks are server-wide, so the name is the cloud's Nova database: two clouds sharing a
 * database server (or two labs) never block each other, two runs on one cloud always do.
 */
export function lockName(novaSchema: string): string {
  return `novaops:${novaSchema}`.slice(0, 64);
}

function lockFilePath(stateDir: string, cloud: string): string {
  return join(stateDir, 'locks', `${cloud.replace(/[^A-Za-z0-9._-]/g, '_')}.lock`);
}

export async function readLockHolder(stateDir: string, cloud: string): Promise<LockHolder | null> {
  try {
    const text = await readIfExists(lockFilePath(stateDir, cloud));
    return text ? (JSON.parse(text) as LockHolder) : null;
  } catch {
    return null;
  }
}

export function describeHolder(holder: LockHolder): string {
  return `run ${holder.runId} (${holder.runbook}) by ${holder.operator}@${holder.host}, pid ${holder.pid}, since ${holder.startedAt}`;
}

function isAliveHere(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function acquireRunLock(
  sql: SqlEffect,
  stateDir: string,
  cloud: string,
  me: LockHolder,
): Promise<RunLock> {
  const name = lockName(sql.schemaName(sql.lockDb()));
  if (!(await sql.acquireLock(name))) {
    const holder = await readLockHolder(stateDir, cloud);
    const connection = await sql.lockHolder(name).catch(() => null);
    const who =
      holder && isAliveHere(holder)
        ? describeHolder(holder)
        : `database connection ${connection ?? '?'} on the nova database server (a run on another machine?)`;
    throw new RefusedError(
      `another novaops run holds the lock for cloud "${cloud}": ${who}`,
      'wait for it to finish, or check that it is still alive; a run that died releases the lock by itself',
    );
  }
  // We hold the database lock, so any lock file left behind belongs to a run that died.
  const path = lockFilePath(stateDir, cloud);
  await ensureDir(join(stateDir, 'locks'));
  await writePrivateFile(path, `${JSON.stringify(me)}\n`);
  let released = false;
  return {
    held: () => !released,
    async release() {
      if (released) return;
      released = true;
      await removeFile(path);
      await sql.releaseLock(name).catch(() => undefined);
    },
  };
}
