#!/usr/bin/env node
// `npm run bundle` (and the end of `npm run build`): the whole CLI as ONE file, dist/novaops.mjs,
// that runs with `node` alone — no node_modules — on a controller or an air-gapped jump host.
// commander, zod, yaml, mysql2, zx, ink, React (its production build) and @inkjs/ui, every runbook,
// the session and the lab are inside. Each command, each runbook and the TUI stay behind their
// dynamic import(): without code splitting esbuild keeps them in the one file as modules that are
// initialised on first use, so `novaops list` evaluates neither a runbook nor the database driver.
//
// Start-up is what an operator waits for, and parsing 4 MB of JavaScript is most of it: the file
// is a small loader (bin/bundle-loader.mjs) followed by two comment lines, the CLI's fast path
// (`list`, `--help`) and the whole CLI, each one script in base64 (the whole one gzipped). The loader
// reads only the line it needs and compiles it with V8's code cache (node 20 has no module compile
// cache): the first successful start on a machine writes the cache under $XDG_CACHE_HOME/novaops
// (default ~/.cache), later starts skip the parse. Node's built-in modules are required where first
// used, not imported up front (`node:http` alone costs a few milliseconds; `list` needs none).
//
// The lab's shell scripts are inside (src/lab/assets/embedded.ts). Its API simulator runs as a daemon
// of its own, `node simulator-main.js`, which the lab finds beside its module: a second, plain
// bundle, dist/simulator-main.js, that a copied novaops.mjs takes along for `lab up`.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { yogaWithoutFetch } from './bundle-yoga-without-fetch.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(repo, 'dist');
const outfile = path.join(dist, 'novaops.mjs');

/** The CLI's entry inside the script: the loader has set V8's flags, and passes a require and its own URL. */
const entry = `
import { main } from './src/cli/main.ts';
process.exit(await main(process.argv));
`;

/**
 * Built-in modules that CommonJS packages require() at load but use only in a command that runs
 * something: commander requires child_process (and with it net, stream and dgram, a seventh of
 * `novaops list`'s time) for executable subcommands novaops does not have. Their require() gets an
 * object that loads the module at its first property read. Only for require(): an import is copied
 * property by property at once, and nothing extends these modules' exports as a class.
 */
const LOADED_AT_FIRST_READ = new Set(['child_process']);

/** `import fs from 'node:fs'` becomes a require() at the importing module's first use. */
const builtinsOnFirstUse = {
  name: 'builtins-on-first-use',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/0-9]+$/ }, (args) => {
      if (!isBuiltin(args.path)) return undefined;
      const name = args.path.replace(/^node:/, '');
      return { path: name, namespace: args.kind === 'require-call' && LOADED_AT_FIRST_READ.has(name) ? 'builtin-at-first-read' : 'builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: `module.exports = __novaopsRequire(${JSON.stringify(`node:${args.path}`)});`,
      loader: 'js',
    }));
    b.onLoad({ filter: /.*/, namespace: 'builtin-at-first-read' }, (args) => ({
      contents: `let real;
const load = () => (real ??= __novaopsRequire(${JSON.stringify(`node:${args.path}`)}));
module.exports = new Proxy({}, {
  get: (_target, key) => load()[key],
  has: (_target, key) => key in load(),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_target, key) => {
    const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
    return descriptor && { ...descriptor, configurable: true };
  },
});`,
      loader: 'js',
    }));
  },
};

/** ink loads the React devtools (and the ws package) only when DEV=true: never wanted here. */
const noDevtools = {
  name: 'no-devtools',
  setup(b) {
    const stub = path.join(repo, 'bin', 'bundle-ui-devtools-stub.mjs');
    b.onResolve({ filter: /^react-devtools-core$|[\\/]devtools\.js$/ }, (args) =>
      args.path === 'react-devtools-core' || /[\\/]ink[\\/]/.test(args.importer) ? { path: stub } : undefined,
    );
  },
};

/**
 * The fast path: the same entry with every command's module left out but `list`'s (and the
 * terminal check): what `novaops list` and `novaops --help` run. A left-out module throws if reached;
 * the loader sends every other command line to the whole CLI.
 */
const fastPathOnly = {
  name: 'fast-path-only',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) =>
      args.kind === 'dynamic-import' && !/^\.\/(commands\/list|terminal)\.js$/.test(args.path) ? { path: args.path, namespace: 'left-out' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`novaops: ${args.path} is not in the fast path (bin/bundle-loader.mjs)`)});`,
      loader: 'js',
    }));
  },
};

/** One script: an async function (for the top-level awaits, the entry's and yoga-layout's) of require and the file's URL. */
async function script(plugins, compress) {
  const result = await build({
    stdin: { contents: entry, resolveDir: repo, sourcefile: 'novaops-entry.ts', loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    outfile,
    define: { 'process.env.NODE_ENV': '"production"', 'import.meta.url': '__novaopsUrl' },
    plugins: [builtinsOnFirstUse, noDevtools, yogaWithoutFetch, ...plugins],
    // Whitespace and syntax only: names stay as written, so errors and stack traces read as the sources.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const code = result.outputFiles[0].text;
  if (/^\s*(import|export)\s*[{*\w"']/m.test(code)) throw new Error('bundle: a script still has a top-level import or export');
  const body = `(async function (require, __novaopsRequire, __novaopsUrl) {${code}\n})`;
  // esbuild escapes strings but leaves regular expressions as written: \\uXXXX reads the same there,
  // and an ASCII script stays a one-byte string in V8, half the memory and a faster scan.
  const ascii = body.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return {
    key: createHash('sha256').update(ascii).digest('hex').slice(0, 16),
    // Compressed, in one comment line each: node decodes and V8 scans about a megabyte, not four,
    // before the loader's first line runs.
    packed: compress ? gzipSync(ascii, { level: 9 }).toString('base64') : Buffer.from(ascii).toString('base64'),
    bytes: ascii.length,
  };
}

await mkdir(dist, { recursive: true });
// The fast path is small: left uncompressed, `list` needs no zlib.
const [fast, whole] = await Promise.all([script([fastPathOnly], false), script([], true)]);
const loader = (await readFile(path.join(repo, 'bin', 'bundle-loader.mjs'), 'utf8'))
  .replaceAll('__NOVAOPS_FAST_KEY__', fast.key)
  .replaceAll('__NOVAOPS_WHOLE_KEY__', whole.key)
  .replace('__NOVAOPS_FAST_LENGTH__', String(fast.packed.length))
  .replace('__NOVAOPS_WHOLE_LENGTH__', String(whole.packed.length))
  .replace('__NOVAOPS_WHOLE_BYTES__', String(whole.bytes));
// The file ends with the two lines `//<fast path>` and `//<whole CLI>`: the loader reads each by its
// length from the end, so that the fast path never reads the whole CLI's megabyte.
await writeFile(outfile, `${loader}//${fast.packed}\n//${whole.packed}`, 'utf8');
await build({
  entryPoints: [path.join(repo, 'src', 'lab', 'simulator-main.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: path.join(dist, 'simulator-main.js'),
  // mysql2 and its kin are CommonJS: give them the require an ES module lacks.
  banner: { js: "import { createRequire as __novaopsCreateRequire } from 'node:module'; const require = __novaopsCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});

const size = (await stat(outfile)).size;
console.log(`bundle: ${path.relative(repo, outfile)} ${(size / 1024 / 1024).toFixed(2)} MiB (the CLI ${(whole.bytes / 1024 / 1024).toFixed(2)} MiB of script, its fast path ${(fast.bytes / 1024).toFixed(0)} KiB)`);
