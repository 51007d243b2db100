// Plain local file operations the engine needs for its own run directories and lock file,
// kept here so that every side effect of novaops lives under src/effects.
import { mkdir, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';

export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

export async function listNames(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

export async function fileExists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

export async function writePrivateFile(file: string, content: string): Promise<void> {
  await writeFile(file, content, { mode: 0o600 });
}

export async function removeFile(file: string): Promise<void> {
  await unlink(file).catch(() => undefined);
}

/** Moves a whole directory into place in one step (same file system), e.g. a run directory born complete. */
export async function moveIntoPlace(from: string, to: string): Promise<void> {
  await rename(from, to);
}

/** When a file or directory last changed (ms since the epoch), or undefined when it is not there. */
export async function modifiedAt(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Removes a directory and what is in it; nothing when it is not there. */
export async function removeTree(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
