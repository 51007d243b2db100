// Commands that only read the run store need the state dir, not a reachable cloud.
import { resolveStateDir } from '../config/load-config.js';
import { openConfig } from './cloud-session.js';

export async function openConfigForState(configPath: string | undefined): Promise<string> {
  try {
    return (await openConfig(configPath)).stateDir;
  } catch {
    // Transcripts stay readable when the cloud's config is broken: that is when they matter.
    return resolveStateDir(process.env);
  }
}
