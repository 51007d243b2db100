import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIfExists, writeFileDurably } from '../../src/effects/files/durable-write.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'novaops-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('durable files', () => {
  it('writes atomically, replaces, leaves no temp files, and is private', async () => {
    const f = path.join(dir, 'volume-map.json');
    await writeFileDurably(f, '{"a":1}');
    await writeFileDurably(f, '{"a":2}');
    expect(await readFile(f, 'utf8')).toBe('{"a":2}');
    expect(await readdir(dir)).toEqual(['volume-map.json']);
    expect((await stat(f)).mode & 0o777).toBe(0o600);
  });

  it('reads back what it wrote; a missing file reads as undefined', async () => {
    const f = path.join(dir, 'volume-map.tsv');
    await writeFileDurably(f, 'one\ntwo\n');
    expect(await readIfExists(f)).toBe('one\ntwo\n');
    expect(await readIfExists(path.join(dir, 'nope'))).toBeUndefined();
  });

  it('fails when the directory does not exist, leaving nothing behind', async () => {
    await expect(writeFileDurably(path.join(dir, 'missing', 'x'), 'y')).rejects.toThrow(/ENOENT/);
  });
});
