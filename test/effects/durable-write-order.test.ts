// Invariant 5's "temp file, fsync, rename" is about the ORDER of file operations, which the
// result on disk cannot show: a write that skips the fsync, or writes the target in place, leaves
// the same bytes behind until the power goes. So these tests record every file operation the real
// writeFileDurably performs, through a recording fs that wraps node's own.
import * as nodeFs from 'node:fs/promises';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDurableStream, readIfExists, writeFileDurably, type DurableFileHandle, type DurableFs } from '../../src/effects/files/durable-write.js';

type Rec =
  | { op: 'open'; path: string; flags: string }
  | { op: 'write'; path: string }
  | { op: 'sync'; path: string }
  | { op: 'close'; path: string }
  | { op: 'rename'; from: string; to: string }
  | { op: 'unlink'; path: string }
  | { op: 'readFile'; path: string };

function recordingFs(opts: { failSync?: boolean } = {}): { fs: DurableFs; log: Rec[] } {
  const log: Rec[] = [];
  const fs: DurableFs = {
    async open(file, flags, mode) {
      log.push({ op: 'open', path: file, flags });
      const real = await nodeFs.open(file, flags, mode);
      const handle: DurableFileHandle = {
        async writeFile(data) {
          log.push({ op: 'write', path: file });
          await real.writeFile(data);
        },
        async sync() {
          log.push({ op: 'sync', path: file });
          if (opts.failSync) throw Object.assign(new Error('EIO: simulated fsync failure'), { code: 'EIO' });
          await real.sync();
        },
        async close() {
          log.push({ op: 'close', path: file });
          await real.close();
        },
      };
      return handle;
    },
    async rename(from, to) {
      log.push({ op: 'rename', from, to });
      await nodeFs.rename(from, to);
    },
    async unlink(file) {
      log.push({ op: 'unlink', path: file });
      await nodeFs.unlink(file);
    },
    async readFile(file, encoding) {
      log.push({ op: 'readFile', path: file });
      return nodeFs.readFile(file, encoding);
    },
  };
  return { fs, log };
}

/** Flags that open a file for writing (anything but a plain read). */
const writes = (flags: string) => /[wa+]/.test(flags);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'novaops-durable-order-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileDurably: the order of file operations', () => {
  it.each([
    ['a new file', false],
    ['replacing an existing file', true],
  ])('%s: write(tmp) -> fsync(tmp) -> rename(tmp -> file) -> fsync(dir); tmp in the same dir; file never opened for writing', async (_label, exists) => {
    const file = path.join(dir, exists ? 'volume-map.json' : 'new-map.json');
    if (exists) await writeFile(file, '{"old":true}');
    const { fs, log } = recordingFs();

    await writeFileDurably(file, '{"new":true}', 0o600, { fs });

    // The temp file: the one path opened for writing.
    const writeOpens = log.filter((r): r is Extract<Rec, { op: 'open' }> => r.op === 'open' && writes(r.flags));
    expect(writeOpens).toHaveLength(1);
    const tmp = writeOpens[0].path;
    expect(tmp).not.toBe(file);
    expect(path.dirname(tmp)).toBe(path.dirname(file));
    expect(writeOpens[0].flags).toBe('wx'); // exclusive: never reuses (truncates) an existing file

    // The target itself is never opened for writing, and never written or synced through a handle.
    expect(log.filter((r) => r.op === 'open' && r.path === file)).toEqual([]);

    // The exact order of the operations that matter for durability.
    const durability = log.filter((r) => r.op === 'write' || r.op === 'sync' || r.op === 'rename');
    expect(durability).toEqual([
      { op: 'write', path: tmp },
      { op: 'sync', path: tmp },
      { op: 'rename', from: tmp, to: file },
      { op: 'sync', path: dir },
    ]);
    // The temp file is closed (its data flushed) before it is renamed; the dir was opened read-only.
    expect(log.findIndex((r) => r.op === 'close' && r.path === tmp)).toBeLessThan(log.findIndex((r) => r.op === 'rename'));
    expect(log.filter((r) => r.op === 'open' && r.path === dir)).toEqual([{ op: 'open', path: dir, flags: 'r' }]);

    expect(await readFile(file, 'utf8')).toBe('{"new":true}');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('a failed fsync leaves the old content in place and removes the temp file (no rename)', async () => {
    const file = path.join(dir, 'keep.json');
    await writeFile(file, 'old');
    const { fs, log } = recordingFs({ failSync: true });

    await expect(writeFileDurably(file, 'new', 0o600, { fs })).rejects.toThrow(/EIO/);

    expect(log.some((r) => r.op === 'rename')).toBe(false);
    const tmp = log.find((r): r is Extract<Rec, { op: 'open' }> => r.op === 'open')!.path;
    expect(log).toContainEqual({ op: 'unlink', path: tmp });
    expect(await readFile(file, 'utf8')).toBe('old');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('existing callers need no options: the default is node:fs/promises', async () => {
    const file = path.join(dir, 'default.json');
    await writeFileDurably(file, 'x');
    expect(await readIfExists(file)).toBe('x');
  });
});

// Row backups and rollback scripts are streamed (thousands of rows), not written at once: the same
// promise, so the same order, with the writes being the chunks.
describe('openDurableStream: the order of file operations', () => {
  it('write(tmp)... -> fsync(tmp) -> close(tmp) -> rename(tmp -> file) -> fsync(dir); nothing at the target before close', async () => {
    const file = path.join(dir, 'rows-clean-db.json');
    await writeFile(file, '{"old":true}');
    const { fs, log } = recordingFs();

    const stream = await openDurableStream(file, 0o600, { fs });
    for (const chunk of ['[', '{"id":1}', ',{"id":2}', ']']) await stream.write(chunk);
    // Before close the target is untouched: a kill here leaves the old file, never half a new one.
    expect(await readFile(file, 'utf8')).toBe('{"old":true}');
    await stream.close();

    const writeOpens = log.filter((r): r is Extract<Rec, { op: 'open' }> => r.op === 'open' && writes(r.flags));
    expect(writeOpens).toHaveLength(1);
    const tmp = writeOpens[0].path;
    expect(tmp).not.toBe(file);
    expect(path.dirname(tmp)).toBe(path.dirname(file));
    expect(writeOpens[0].flags).toBe('wx');
    expect(log.filter((r) => r.op === 'open' && r.path === file)).toEqual([]);

    const durability = log.filter((r) => r.op === 'write' || r.op === 'sync' || r.op === 'close' || r.op === 'rename');
    expect(durability).toEqual([
      { op: 'write', path: tmp },
      { op: 'write', path: tmp },
      { op: 'write', path: tmp },
      { op: 'write', path: tmp },
      { op: 'sync', path: tmp },
      { op: 'close', path: tmp },
      { op: 'rename', from: tmp, to: file },
      { op: 'sync', path: dir },
      { op: 'close', path: dir },
    ]);
    expect(log.filter((r) => r.op === 'open' && r.path === dir)).toEqual([{ op: 'open', path: dir, flags: 'r' }]);
    expect(await readFile(file, 'utf8')).toBe('[{"id":1},{"id":2}]');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('a failed fsync on close leaves the old content in place and removes the temp file (no rename)', async () => {
    const file = path.join(dir, 'rollback-clean-db.sql');
    await writeFile(file, 'old');
    const { fs, log } = recordingFs({ failSync: true });

    const stream = await openDurableStream(file, 0o600, { fs });
    await stream.write('UPDATE x SET y = 1;');
    await expect(stream.close()).rejects.toThrow(/EIO/);

    expect(log.some((r) => r.op === 'rename')).toBe(false);
    const tmp = log.find((r): r is Extract<Rec, { op: 'open' }> => r.op === 'open')!.path;
    expect(log).toContainEqual({ op: 'unlink', path: tmp });
    expect(await readFile(file, 'utf8')).toBe('old');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
