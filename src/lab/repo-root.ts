// The lab runs from TypeScript sources (vitest) and from dist/ (the CLI); assets and the
// simulator entry are found relative to the repository root in both cases.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'src', 'lab'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('novaops repository root not found');
    dir = parent;
  }
}

export function iscsiadmAsset(): string {
  return path.join(repoRoot(), 'src', 'lab', 'assets', 'iscsiadm.sh');
}

export function systemctlAsset(): string {
  return path.join(repoRoot(), 'src', 'lab', 'assets', 'systemctl.sh');
}

export function simulatorEntry(): string {
  return path.join(repoRoot(), 'dist', 'src', 'lab', 'simulator-main.js');
}
