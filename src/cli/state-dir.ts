// Commands that only read the run store need the state dir, not a reachable cloud.
import { checkStateDir, resolveStateDir, stateDirOrigin } from '../config/load-config.js';
import { openConfig } from './cloud-session.js';

export async function openConfigForState(configPath: string | undefined): Promise<string> {
  try {
    return (await openConfig(configPath)).stateDir;
  } catch {
    // Transcripts stay readable when the cloud's config is broken: that is when they matter. The
    // state dir itself must still be one (a file there is named, not read as "no runs").
    const dir = resolveStateDir(process.env);
    checkStateDir(dir, stateDirOrigin(process.env));
    return dir;
  }
}
