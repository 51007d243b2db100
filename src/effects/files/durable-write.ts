// Writes that survive a crash or power loss at any instant (invariant 5): the file is either the
// old content or the new, never half of either.
import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import path from 'node:path';

/** The part of a file handle a durable write uses; node's FileHandle satisfies it. */
export interface DurableFileHandle {
  writeFile(data: string | Uint8Array): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The file operations a durable write performs, injectable the way zx injects its side effects
 * (tests pass a recording wrapper around the real one). Defaults to node:fs/promises.
 */
export interface DurableFs {
  open(file: string, flags: string, mode?: number): Promise<DurableFileHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
  readFile(file: string, encoding: 'utf8'): Promise<string>;
}

export interface DurableWriteOptions {
  fs?: DurableFs;
}

const defaultFs: DurableFs = {
  open: (file, flags, mode) => nodeFs.open(file, flags, mode),
  rename: (from, to) => nodeFs.rename(from, to),
  unlink: (file) => nodeFs.unlink(file),
  readFile: (file, encoding) => nodeFs.readFile(file, encoding),
};

/** Temp file in the same directory, write, fsync, rename over the target, fsync the directory. */
export async function writeFileDurably(
  file: string,
  content: string | Uint8Array,
  mode = 0o600,
  options: DurableWriteOptions = {},
): Promise<void> {
  const fs = options.fs ?? defaultFs;
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.unlink(tmp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(dir, options);
}

export async function readIfExists(file: string, options: DurableWriteOptions = {}): Promise<string | undefined> {
  const fs = options.fs ?? defaultFs;
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** A rename is only durable once the directory entry is on disk. */
export async function syncDir(dir: string, options: DurableWriteOptions = {}): Promise<void> {
  const fs = options.fs ?? defaultFs;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A file written in pieces that appears, whole and durable, only when closed. */
export interface DurableStream {
  write(chunk: string): Promise<void>;
  /** fsync, rename into place, fsync the directory. */
  close(): Promise<void>;
  /** Drops the temp file; the target is left as it was. */
  abort(): Promise<void>;
}

/**
 * writeFileDurably for content too large to hold at once (row backups of thousands of rows):
 * the same temp file, fsync and rename, with the content appended chunk by chunk.
 */
export async function openDurableStream(file: string, mode = 0o600, options: DurableWriteOptions = {}): Promise<DurableStream> {
  const fs = options.fs ?? defaultFs;
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'wx', mode);
  let open = true;
  const abort = async () => {
    if (open) await handle.close().catch(() => undefined);
    open = false;
    await fs.unlink(tmp).catch(() => undefined);
  };
  return {
    // A FileHandle's writeFile() continues from the current position: consecutive calls append.
    write: (chunk) => handle.writeFile(chunk),
    async close() {
      try {
        await handle.sync();
        await handle.close();
        open = false;
        await fs.rename(tmp, file);
      } catch (err) {
        await abort();
        throw err;
      }
      await syncDir(dir, options);
    },
    abort,
  };
}
