// `novaops completion <shell>` and the hidden `novaops __complete-runs` the scripts call back.
import { readdir } from 'node:fs/promises';
import type { Command } from 'commander';
import { completionScript, type Shell } from '../completion/index.js';
import { VERSION } from '../version.js';

export function completionCommand(shell: string, program: Command): void {
  process.stdout.write(completionScript(shell as Shell, program, VERSION));
}

/**
 * The run ids in the state directory, newest first, one a line. Called on every <TAB>: it reads the
 * directory's names and nothing else (no state.json, no cloud, no database driver), and says
 * nothing when there is nothing to offer or the config is broken.
 */
export async function completeRunsCommand(configPath: string | undefined): Promise<void> {
  const [{ runsDir, runbookOfRunId }, stateDir] = await Promise.all([import('../../engine/run-store.js'), stateDirOf(configPath)]);
  let names: string[];
  try {
    names = await readdir(runsDir(stateDir));
  } catch {
    return;
  }
  const ids = names.filter((name) => runbookOfRunId(name) !== undefined).sort().reverse();
  if (ids.length) process.stdout.write(`${ids.join('\n')}\n`);
}

/** The state directory as the transcripts commands find it, without opening the cloud's session. */
async function stateDirOf(configPath: string | undefined): Promise<string> {
  const { loadConfig, resolveStateDir } = await import('../../config/load-config.js');
  try {
    return (await loadConfig({ configPath, env: process.env, cwd: process.cwd() })).stateDir;
  } catch {
    return resolveStateDir(process.env);
  }
}
