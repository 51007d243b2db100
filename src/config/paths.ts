import { accessSync, constants, lstatSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from './errors.js';

export function homeDir(env: NodeJS.ProcessEnv): string {
  return env.HOME && env.HOME.length > 0 ? env.HOME : os.homedir();
}

/** Expands a leading `~` and resolves relative paths against `baseDir` (the config file's directory). */
export function resolvePath(p: string, env: NodeJS.ProcessEnv, baseDir: string): string {
  if (p === '~') return homeDir(env);
  if (p.startsWith('~/')) return path.join(homeDir(env), p.slice(2));
  return path.resolve(baseDir, p);
}

/** `NOVAOPS_STATE_DIR` > `$XDG_STATE_HOME/novaops` > `~/.local/state/novaops`. */
export function resolveStateDir(env: NodeJS.ProcessEnv): string {
  if (env.NOVAOPS_STATE_DIR) return path.resolve(env.NOVAOPS_STATE_DIR);
  if (env.XDG_STATE_HOME) return path.join(env.XDG_STATE_HOME, 'novaops');
  return path.join(homeDir(env), '.local', 'state', 'novaops');
}

/** Where `resolveStateDir(env)` took the directory from, for error messages. */
export function stateDirOrigin(env: NodeJS.ProcessEnv): string {
  if (env.NOVAOPS_STATE_DIR) return 'from NOVAOPS_STATE_DIR';
  if (env.XDG_STATE_HOME) return 'from XDG_STATE_HOME';
  return 'the default ~/.local/state/novaops';
}

/**
 * Checks, without creating anything, that the state directory can be used: it is a directory, or
 * it does not exist yet and its nearest existing ancestor is a directory novaops may create it in.
 * Throws a ConfigError naming the path, where it came from (`origin`, e.g. "from NOVAOPS_STATE_DIR"
 * or "state_dir in config /etc/novaops.yaml") and what to do. Synchronous, so any caller can use it.
 */
export function checkStateDir(dir: string, origin = 'the novaops state directory'): void {
  const what = `state directory ${dir} (${origin})`;
  const fix = origin.includes('NOVAOPS_STATE_DIR')
    ? 'point NOVAOPS_STATE_DIR at a directory (or at a path where one can be created), or unset it'
    : origin.includes('state_dir')
      ? 'set state_dir in the config to a directory (or to a path where one can be created)'
      : 'set NOVAOPS_STATE_DIR to a directory novaops may use';
  let code: string | undefined;
  try {
    const st = statSync(dir);
    if (st.isDirectory()) return;
    throw new ConfigError(`${what} exists but is not a directory (${kindOf(st)})`, `move that ${kindOf(st)} out of the way, or ${fix}`);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    code = (err as NodeJS.ErrnoException).code;
  }
  if (code === 'ENOENT' && isDanglingLink(dir)) {
    throw new ConfigError(`${what} is a symbolic link to something that does not exist`, `create its target, remove the link, or ${fix}`);
  }
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    // Not there: the nearest ancestor that exists decides whether it can be created.
    let ancestor = path.dirname(dir);
    for (;;) {
      let st;
      try {
        st = statSync(ancestor);
      } catch (err) {
        const c = (err as NodeJS.ErrnoException).code;
        if ((c === 'ENOENT' || c === 'ENOTDIR') && path.dirname(ancestor) !== ancestor) {
          ancestor = path.dirname(ancestor);
          continue;
        }
        throw new ConfigError(`${what} cannot be created: ${ancestor}: ${c ?? String(err)}`, fix);
      }
      if (!st.isDirectory()) {
        throw new ConfigError(
          `${what} cannot be created: ${ancestor} is a ${kindOf(st)}, not a directory`,
          `move ${ancestor} out of the way, or ${fix}`,
        );
      }
      try {
        accessSync(ancestor, constants.W_OK | constants.X_OK);
      } catch {
        throw new ConfigError(
          `${what} does not exist and cannot be created: no write permission in ${ancestor}`,
          `create ${dir} for this user, or ${fix}`,
        );
      }
      return;
    }
  }
  if (code === 'EACCES') {
    throw new ConfigError(`${what} cannot be reached: permission denied on one of its parent directories`, `give this user access to it, or ${fix}`);
  }
  throw new ConfigError(`${what} cannot be used: ${code ?? 'unknown error'}`, fix);
}

function isDanglingLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function kindOf(st: { isFile(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (st.isFile()) return 'regular file';
  if (st.isFIFO()) return 'named pipe';
  if (st.isSocket()) return 'socket';
  return 'special file';
}

export function userConfigPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME ? env.XDG_CONFIG_HOME : path.join(homeDir(env), '.config');
  return path.join(base, 'novaops', 'config.yaml');
}

export function labConfigPath(stateDir: string): string {
  return path.join(stateDir, 'lab', 'novaops.yaml');
}
