// A run's plain and --json lines go out one write per turn of the event loop (src/cli/presenters/
// line-batcher.ts), and none is lost when the process exits with lines still pending. Each case
// runs in its own node process writing to a real pipe, so the writes counted are the real ones.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, test } from 'vitest';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BATCHER = pathToFileURL(path.join(REPO, 'dist', 'src', 'cli', 'presenters', 'line-batcher.js')).href;

/** Runs `body` in a child with `lines` (a batcher whose every write is recorded as one chunk); returns the chunks. */
function inChild(body: string, options = '{}'): Promise<{ code: number | null; chunks: string[] }> {
  const script = `
    import { batchLines } from ${JSON.stringify(BATCHER)};
    const lines = batchLines((text) => process.stdout.write(JSON.stringify(text) + '\\n'), ${options});
    ${body}
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, chunks: out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as string) }));
  });
}

test("the lines of one turn are one write, in order; a later turn's are the next", async () => {
  const r = await inChild(`
    lines.write('a\\n'); lines.write('b\\n'); lines.write('c\\n');
    setTimeout(() => { lines.write('d\\n'); lines.close(); }, 0);
  `);
  expect(r.code).toBe(0);
  expect(r.chunks).toEqual(['a\nb\nc\n', 'd\n']);
});

test('lines still pending when the process exits are written before it goes', async () => {
  const r = await inChild(`lines.write('first\\n'); lines.write('last\\n'); process.exit(3);`);
  expect(r.code).toBe(3);
  expect(r.chunks).toEqual(['first\nlast\n']);
});

test('close() writes what is pending at once; nothing is written twice', async () => {
  const r = await inChild(`
    lines.write('x\\n'); lines.close();
    process.stdout.write(JSON.stringify('after close') + '\\n');
  `);
  expect(r.chunks).toEqual(['x\n', 'after close']);
});

test('immediate: each line is its own write, as on a terminal where a question may follow', async () => {
  const r = await inChild(`lines.write('q1\\n'); lines.write('q2\\n');`, '{ immediate: true }');
  expect(r.chunks).toEqual(['q1\n', 'q2\n']);
});
