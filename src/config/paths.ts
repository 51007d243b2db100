import os from 'node:os';
import path from 'node:path';

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

export function userConfigPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME ? env.XDG_CONFIG_HOME : path.join(homeDir(env), '.config');
  return path.join(base, 'novaops', 'config.yaml');
}

export function labConfigPath(stateDir: string): string {
  return path.join(stateDir, 'lab', 'novaops.yaml');
}
