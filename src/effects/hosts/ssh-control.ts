// The private directory of the ssh control sockets of one effects object. Whoever can open a
// master's socket runs commands as the remote user without a key, so it is mkdtemp's 0700
// directory of this process, never a shared, predictable path; close() ends every master and
// removes it. ControlPersist bounds a master's life should the process die before close().
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SshControl } from './ssh-argv.js';

export const CONTROL_PERSIST_S = 60;

export interface ControlDir {
  /** The control socket for one alias. The alias is part of the path so that two aliases of one user@address:port with different known_hosts never share a connection verified by the other's file. */
  forKey(key: string): SshControl;
  remove(): void;
}

/** A socket path is at most 107 bytes, and ssh binds "<ControlPath>.<17 random chars>" first: 40 for the directory leaves room for "N-%C". */
const MAX_DIR_LENGTH = 40;

function makeDir(env: NodeJS.ProcessEnv): string {
  for (const base of [env.XDG_RUNTIME_DIR, os.tmpdir(), '/tmp']) {
    if (!base || path.join(base, 'novaops-ssh-XXXXXX').length > MAX_DIR_LENGTH) continue;
    try {
      return mkdtempSync(path.join(base, 'novaops-ssh-'));
    } catch {
      // set but missing or not writable (su, sudo): the next one will do
    }
  }
  throw new Error('no directory for the ssh control sockets: XDG_RUNTIME_DIR, TMPDIR and /tmp are all too long or not writable');
}

export function controlDir(env: NodeJS.ProcessEnv = process.env): ControlDir {
  let dir: string | undefined;
  const keys = new Map<string, number>();
  return {
    forKey(key) {
      // XDG_RUNTIME_DIR is per user and short; a socket path must stay under ~100 bytes.
      dir ??= makeDir(env);
      if (!keys.has(key)) keys.set(key, keys.size);
      const n = keys.get(key);
      return { path: path.join(dir, `${n}-%C`), persistS: CONTROL_PERSIST_S, jumpLog: path.join(dir, `${n}-jump.log`) };
    },
    remove() {
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    },
  };
}
