#!/usr/bin/env node
// novaops: the whole CLI in one file. This loader is its head (bin/bundle-loader.mjs in the sources;
// bin/bundle.mjs writes the file); the CLI itself is one script, compressed, in the last line, and
// the line before holds its fast path: the same sources without the commands' modules, all that
// `novaops list` and `novaops --help` need, a tenth of the size to inflate and load.
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// A recovery run is long and I/O-bound, and jump hosts are small: V8 sized for memory rather than
// speed keeps a 1,000-instance drp near 110 MiB instead of 220 MiB. Set before the compile, so
// that the code cache below is made and used under the same flags.
setFlagsFromString('--optimize-for-size');
// NOVAOPS_STARTUP_TIMING=1: where the start went, written to stderr at exit (npm run bench reads it).
const marks = process.env.NOVAOPS_STARTUP_TIMING ? { loader: performance.now() } : undefined;

const args = process.argv.slice(2);
const fast = args.length === 1 && ['list', '--help', '-h'].includes(args[0]);
const file = fileURLToPath(import.meta.url);
// Base64 lengths, written in by bin/bundle.mjs: the file ends `//<fast path>\n//<whole CLI>`.
const FAST_LENGTH = __NOVAOPS_FAST_LENGTH__;
const WHOLE_LENGTH = __NOVAOPS_WHOLE_LENGTH__;
const packed = readTail(file, fast ? WHOLE_LENGTH + 3 + FAST_LENGTH : WHOLE_LENGTH, fast ? FAST_LENGTH : WHOLE_LENGTH);
const source = fast ? packed.toString('latin1') : (await import('node:zlib')).gunzipSync(packed).toString('latin1');
if (marks) marks.source = performance.now();

// V8's code cache, per machine and user: the first start compiles and writes it, later ones skip
// the parse. Keyed by the script's hash, node's version and the architecture; V8 checks the rest.
const cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'novaops');
const cacheFile = join(cacheDir, `code-${fast ? '__NOVAOPS_FAST_KEY__' : '__NOVAOPS_WHOLE_KEY__'}-${process.version}-${process.arch}.bin`);
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  // first start on this machine
}
const script = new Script(source, { filename: file, cachedData });
// The session (no command named) writes it again as it quits: the cache then holds the screens'
// code as well, which a first start that was, say, `run drp` never compiled.
// The session is novaops with nothing but its global options: anything else is a command (a list of
// them would miss the next one, and `__complete-runs` runs at every Tab).
const session = !fast && args.every((a, i) => a === '--read-only' || a === '--config' || a.startsWith('--config=') || args[i - 1] === '--config');
if (cachedData === undefined || script.cachedDataRejected || session) {
  // Written once the command is done, so that the functions it compiled are in the cache too; and
  // only after a success: a command refused for bad input leaves nothing behind, not even this.
  process.once('exit', (code) => {
    if (code !== 0) return;
    try {
      mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
      renameSync(tmp, cacheFile);
    } catch {
      // a read-only home: the next start compiles again
    }
  });
}
if (marks) {
  marks.compiled = performance.now();
  marks.script = fast ? 'fast path' : 'whole';
  marks.cache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
  process.once('exit', () => {
    marks.exit = performance.now();
    const { v8Start, environment, bootstrapComplete } = performance.nodeTiming;
    process.stderr.write(`novaops-startup ${JSON.stringify({ v8Start, environment, bootstrapComplete, ...marks })}\n`);
  });
}

/** `length` base64 bytes that end `fromEnd` bytes before the end of the file, decoded. */
function readTail(path, fromEnd, length) {
  const fd = openSync(path, 'r');
  try {
    const text = Buffer.alloc(length);
    const at = fstatSync(fd).size - fromEnd;
    for (let got = 0; got < length; ) got += readSync(fd, text, got, length - got, at + got) || fail();
    return Buffer.from(text.latin1Slice(0, length), 'base64');
  } finally {
    closeSync(fd);
  }
}

function fail() {
  throw new Error(`novaops: ${file} is cut short; copy it again`);
}

const require = createRequire(import.meta.url);
await script.runInThisContext()(require, require, import.meta.url);
