#!/usr/bin/env node
// novaops: the whole CLI in one file. This loader is its head (bin/bundle-loader.mjs in the sources;
// bin/bundle.mjs writes the file); the CLI itself is one script, compressed, in the last line, and
// the line before holds its fast path: the same sources without the commands' modules, all that
// `novaops list` and `novaops --help` need, a tenth of the size to inflate and load.
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// A recovery run is long and I/O-bound, and jump hosts are small: V8 sized for memory rather than
// speed keeps a 1,000-instance drp near 110 MiB instead of 220 MiB. Set before the compile, so
// that the code cache below is made and used under the same flags.
setFlagsFromString('--optimize-for-size');
// NOVAOPS_STARTUP_TIMING=1: where the start went, written to stderr at exit (npm run bench reads it);
// =/a/file: appended to that file instead.
const marks = process.env.NOVAOPS_STARTUP_TIMING ? { loader: performance.now() } : undefined;

const args = process.argv.slice(2);
const fast = args.length === 1 && ['list', '--help', '-h'].includes(args[0]);
const file = fileURLToPath(import.meta.url);
// Base64 lengths, written in by bin/bundle.mjs: the file ends `//<fast path>\n//<whole CLI>`.
const FAST_LENGTH = __NOVAOPS_FAST_LENGTH__;
const WHOLE_LENGTH = __NOVAOPS_WHOLE_LENGTH__;
// The length of the whole CLI's script, inflated (its key is the hash of that text).
const WHOLE_BYTES = __NOVAOPS_WHOLE_BYTES__;
const cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'novaops');
const key = fast ? '__NOVAOPS_FAST_KEY__' : '__NOVAOPS_WHOLE_KEY__';
// The whole CLI inflated, as the first start on the machine left it: reading 4 MB is a fraction of
// decoding and inflating them. Trusted as much as the code cache beside it (a directory of the
// user's own, 0700, that V8 takes compiled code from); a length that differs is a copy cut short.
const sourceFile = join(cacheDir, `script-${key}.js`);
let source = fast ? undefined : readCached(sourceFile, WHOLE_BYTES);
const sourceWasCached = source !== undefined;
if (source === undefined) {
  const packed = readTail(file, fast ? WHOLE_LENGTH + 3 + FAST_LENGTH : WHOLE_LENGTH, fast ? FAST_LENGTH : WHOLE_LENGTH);
  source = fast ? packed.toString('latin1') : (await import('node:zlib')).gunzipSync(packed).toString('latin1');
}
if (marks) marks.source = performance.now();

// V8's code cache, per machine and user: the first start compiles and writes it, later ones skip
// the parse. Keyed by the script's hash, node's version and the architecture; V8 checks the rest.
const cacheFile = join(cacheDir, `code-${key}-${process.version}-${process.arch}.bin`);
const { script, cacheState } = compile(source, cacheFile);
// The session (no command named) writes it again as it quits: the cache then holds the screens'
// code as well, which a first start that was, say, `run drp` never compiled.
// The session is novaops with nothing but its global options: anything else is a command (a list of
// them would miss the next one, and `__complete-runs` runs at every Tab).
const session = !fast && args.every((a, i) => a === '--read-only' || a === '--config' || a.startsWith('--config=') || args[i - 1] === '--config');
const writeCode = cacheState !== 'used' || session;
const writeSource = !fast && !sourceWasCached;
if (writeCode || writeSource) {
  // Written once the command is done, so that the functions it compiled are in the cache too; and
  // only after a success: a command refused for bad input leaves nothing behind, not even this.
  process.once('exit', (code) => {
    if (code !== 0) return;
    if (writeSource) writeCached(sourceFile, source);
    if (writeCode) writeCached(cacheFile, script.createCachedData());
  });
}
if (marks) {
  marks.compiled = performance.now();
  marks.script = fast ? 'fast path' : 'whole';
  marks.cache = cacheState;
  marks.sourceCache = fast ? 'n/a' : sourceWasCached ? 'used' : 'none';
  process.once('exit', () => {
    marks.exit = performance.now();
    const { v8Start, environment, bootstrapComplete } = performance.nodeTiming;
    // The CLI's own marks (the session's: its libraries loaded, its first frame rendered).
    for (const mark of performance.getEntriesByType('mark')) if (mark.name.startsWith('novaops:')) marks[mark.name.slice(8)] = mark.startTime;
    const line = `novaops-startup ${JSON.stringify({ v8Start, environment, bootstrapComplete, ...marks })}\n`;
    // A path instead of 1: the line goes to that file, for a session whose stderr is the screen.
    if (process.env.NOVAOPS_STARTUP_TIMING.startsWith('/')) appendFileSync(process.env.NOVAOPS_STARTUP_TIMING, line);
    else process.stderr.write(line);
  });
}

/** The script, compiled from the code cache where there is one; the cache's buffer is not kept (a megabyte). */
function compile(source, cacheFile) {
  const cachedData = readCached(cacheFile);
  const script = new Script(source, { filename: file, cachedData });
  return { script, cacheState: cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used' };
}

/**
 * A file of the cache, or undefined: absent (a first start), unreadable, not `length` bytes long, or
 * not safe to run — owned by another user, or writable by others (it, or its directory). The script
 * kept there is run as code, so it is trusted on the terms ssh trusts a key file, checked with a stat
 * rather than a hash of 4 MB at every start.
 */
function readCached(path, length) {
  try {
    if (!privateToUs(cacheDir) || !privateToUs(path)) return undefined;
    if (length === undefined) return readFileSync(path);
    const text = readFileSync(path, 'latin1');
    return text.length === length ? text : undefined;
  } catch {
    return undefined;
  }
}

function privateToUs(path) {
  const st = statSync(path);
  return (process.getuid === undefined || st.uid === process.getuid()) && (st.mode & 0o022) === 0;
}

/** Written whole or not at all: renamed into place, so that a reader never sees half of it. */
function writeCached(path, data) {
  try {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, data, { mode: 0o600, encoding: 'latin1' });
    renameSync(tmp, path);
    pruneOtherBuilds();
  } catch {
    // a read-only home: the next start decodes and compiles again
  }
}

/** Another build's script and code cache (4 MB and more each) go once this build's are written. */
function pruneOtherBuilds() {
  const ours = ['__NOVAOPS_FAST_KEY__', '__NOVAOPS_WHOLE_KEY__'];
  for (const name of readdirSync(cacheDir)) {
    const m = /^(?:script|code)-([0-9a-f]+)[-.]/.exec(name);
    if (m && !ours.includes(m[1]) && !name.endsWith('.tmp')) rmSync(join(cacheDir, name), { force: true });
  }
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
