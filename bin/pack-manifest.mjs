#!/usr/bin/env node
// `npm pack` (prepack / postpack): the packed package.json declares no dependencies. The package is
// bin/novaops and the one-file CLI, dist/novaops.mjs, which carries every library it uses; a
// `npm install -g novaops-<v>.tgz` on an air-gapped controller must not go looking for them.
// prepack keeps the checkout's package.json aside and writes the packed one; postpack puts it back.
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const manifest = path.join(repo, 'package.json');
const kept = path.join(repo, 'dist', 'package.json.checkout');

if (process.argv[2] === 'restore') {
  if (existsSync(kept)) await rename(kept, manifest);
} else {
  if (!existsSync(path.join(repo, 'dist', 'novaops.mjs'))) {
    console.error('npm pack: dist/novaops.mjs is missing; run `npm run build` (or `npm run bundle`) first');
    process.exit(2);
  }
  // A pack interrupted before its postpack left the checkout's manifest aside: that one is the truth.
  if (existsSync(kept)) await rename(kept, manifest);
  const text = await readFile(manifest, 'utf8');
  const { dependencies: _d, devDependencies: _dd, scripts: _s, allowScripts: _a, private: _p, ...packed } = JSON.parse(text);
  await writeFile(kept, text);
  await writeFile(manifest, `${JSON.stringify(packed, null, 2)}\n`);
}
