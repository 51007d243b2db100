#!/usr/bin/env node
// Part of `npm run build`, after tsc: the terminal UI's libraries (react, ink, @inkjs/ui) as ONE
// pre-bundled module in dist/vendor, and the compiled UI (dist/src/ui, the session command) pointed
// at it. Loading ink from node_modules resolves and links some two hundred small modules and parses
// React's CommonJS at every start: about 0.5 s before the operator's first frame. One module, with
// React's production build, loads in a fraction of that. The tests run the sources against the
// packages themselves; the built CLI (pty tests, the demo) and the benches run this.
import { build } from 'esbuild';
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { yogaWithoutFetch } from './bundle-yoga-without-fetch.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(repo, 'dist');
const vendor = path.join(dist, 'vendor');
/** Every specifier the UI imports, and the name it has inside the bundle. */
const PACKAGES = { react: 'React', 'react/jsx-runtime': 'jsxRuntime', ink: 'ink', '@inkjs/ui': 'inkUi' };

await mkdir(vendor, { recursive: true });
const entry = Object.entries(PACKAGES).map(([spec, name]) => `export * as ${name} from '${spec}';`).join('\n');
await build({
  stdin: { contents: entry, resolveDir: repo, loader: 'js' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: path.join(vendor, 'ui-vendor.js'),
  define: { 'process.env.NODE_ENV': '"production"' },
  // ink loads the React devtools only when DEV=true; they are not installed, and never wanted here.
  alias: { 'react-devtools-core': path.join(repo, 'bin', 'bundle-ui-devtools-stub.mjs') },
  plugins: [yogaWithoutFetch],
  banner: { js: "import { createRequire as __novaopsRequire } from 'node:module'; const require = __novaopsRequire(import.meta.url);" },
  logLevel: 'warning',
});

// One small module per specifier, re-exporting its part of the bundle under the names the package has.
const require = createRequire(path.join(repo, 'package.json'));
for (const [spec, name] of Object.entries(PACKAGES)) {
  const real = await import(pathToFileURL(require.resolve(spec)).href);
  const names = Object.keys(real).filter((k) => k !== 'default' && /^[A-Za-z_$][\w$]*$/.test(k));
  const lines = [`import { ${name} as m } from './ui-vendor.js';`];
  if (names.length) lines.push(`export const { ${names.join(', ')} } = m;`);
  if ('default' in real) lines.push(`export default m.default ?? m;`);
  await writeFile(path.join(vendor, `${fileName(spec)}.js`), `${lines.join('\n')}\n`);
}

// The compiled UI imports the vendor modules instead of the packages, and so do the benches that
// render it: one React for the screen and the renderer, the one the CLI runs.
const targets = [
  ...(await jsFiles(path.join(dist, 'src', 'ui'))),
  path.join(dist, 'src', 'cli', 'commands', 'session.js'),
  ...(await jsFiles(path.join(dist, 'test', 'bench'))),
];
const specifier = /(from\s*|import\s*\(\s*)(['"])(react\/jsx-runtime|react|ink|@inkjs\/ui)\2/g;
for (const file of targets) {
  const text = await readFile(file, 'utf8');
  const rewritten = text.replace(specifier, (_m, lead, quote, spec) => {
    let rel = path.relative(path.dirname(file), path.join(vendor, `${fileName(spec)}.js`));
    if (!rel.startsWith('.')) rel = `./${rel}`;
    return `${lead}${quote}${rel}${quote}`;
  });
  if (rewritten !== text) await writeFile(file, rewritten);
}

function fileName(spec) {
  return spec.replace(/[@/]/g, (c) => (c === '/' ? '-' : ''));
}

async function jsFiles(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.js')) out.push(path.join(entry.parentPath, entry.name));
  }
  return out;
}
