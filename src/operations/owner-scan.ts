// Who owns what under a host's covered paths, in one pass per host: `find -xdev -printf` on each
// path that exists (never following a symbolic link, never leaving the path's file system), counted
// on the host by awk per (uid, gid) and per inode, so a hard link counts once and only a few lines
// come back however many files there are. The same scan serves the audit and the read-back.
import path from 'node:path';
import { posixCommand } from './posix-quote.js';
import type { ShellOperation } from './types.js';

type ReadShell = ShellOperation & { mutating: false };

export interface OwnerScan {
  /** Covered paths that exist (as given, under the host root). */
  covered: string[];
  missing: string[];
  /** Covered paths that are symbolic links: not followed, not covered. */
  symlinks: string[];
  unreadable: string[];
  /** "uid gid" -> files (inodes). */
  owners: Map<string, number>;
}

const SCAN_SCRIPT = [
  'for p; do',
  '  if [ -L "$p" ]; then echo "symlink $p"; elif [ -e "$p" ]; then echo "covered $p"; else echo "missing $p"; fi',
  'done',
  'for p; do',
  '  [ -L "$p" ] || [ ! -e "$p" ] || find "$p" -xdev -printf "%n %D:%i %U %G\\n" || echo "unreadable $p"',
  // Only a name with other hard links is remembered by inode: most files have one, and a hash of every inode costs a third of the scan.
  'done | awk \'$1 == "unreadable" { print; next } $1 > 1 && seen[$2]++ { next } { c[$3 " " $4]++ } END { for (k in c) print "owners " k " " c[k] }\'',
].join('\n');

/** `paths` are absolute paths on the host; `root` is where the host's files are ('/' on a real host). */
export function ownerScanOp(host: string, root: string, paths: readonly string[]): ReadShell {
  const rooted = paths.map((p) => underRoot(root, p));
  return {
    kind: 'shell',
    host,
    argv: ['sh', '-c', SCAN_SCRIPT, 'sh', ...rooted],
    mutating: false,
    summary: `count the files under ${paths.join(', ')} on ${host} by owner and group`,
    target: { host },
    command: `find ${posixCommand(rooted)} -xdev -printf '%n %D:%i %U %G\\n' | (count per uid and gid, each inode once)`,
    timeoutMs: 3_600_000,
  };
}

export function parseOwnerScan(stdout: string): OwnerScan {
  const scan: OwnerScan = { covered: [], missing: [], symlinks: [], unreadable: [], owners: new Map() };
  for (const line of stdout.split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const word = line.slice(0, space);
    const rest = line.slice(space + 1);
    if (word === 'covered') scan.covered.push(rest);
    else if (word === 'missing') scan.missing.push(rest);
    else if (word === 'symlink') scan.symlinks.push(rest);
    else if (word === 'unreadable') scan.unreadable.push(rest);
    else if (word === 'owners') {
      const m = /^(\d+) (\d+) (\d+)$/.exec(rest);
      if (m) scan.owners.set(`${m[1]} ${m[2]}`, Number(m[3]));
    }
  }
  return scan;
}

export function filesOwnedBy(scan: Pick<OwnerScan, 'owners'>, kind: 'uid' | 'gid', id: number): number {
  let n = 0;
  for (const [key, count] of scan.owners) {
    const [uid, gid] = key.split(' ').map(Number);
    if ((kind === 'uid' ? uid : gid) === id) n += count;
  }
  return n;
}

/** A host path under the host's root: '/var/lib/nova' under '/srv/lab/compute1' is '/srv/lab/compute1/var/lib/nova'. */
export function underRoot(root: string, p: string): string {
  return root === '/' ? path.posix.normalize(p) : path.posix.join(root, p);
}

/** Read-only `cat` of one file on a host. */
export function catOp(host: string, file: string, what: string): ReadShell {
  return { kind: 'shell', host, argv: ['cat', file], mutating: false, summary: `read ${what} on ${host}`, target: { host }, command: posixCommand(['cat', file]), timeoutMs: 60_000 };
}
