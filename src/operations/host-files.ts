// Files on a compute host, as shell operations on that host: whether it sees an instance's
// directory (shared storage), reading files, and replacing one safely — a backup that is never
// overwritten, and a write that goes ahead only if the file is still what was read when the plan
// was made. Each script is a fixed string; paths and contents are positional arguments, so nothing
// a file or an instance holds is ever parsed by a shell.
import type { ShellOperation } from './types.js';
import { posixCommand } from './posix-quote.js';

type ReadShell = ShellOperation & { mutating: false };

/** What one host sees of some instance directories. */
export interface InstanceDirProbe {
  /** False when the instances path itself is missing on the host. */
  instancesPathExists: boolean;
  /** uuid -> what is in the directory: libvirt.xml, and the root disk (`disk`) of an image-backed instance. */
  dirs: Map<string, { libvirtXml: boolean; disk: boolean }>;
}

const PROBE_SCRIPT = [
  'cd "$1" 2>/dev/null || { echo "missing-instances-path"; exit 0; }',
  'shift',
  'for u; do',
  '  if [ -d "$u" ]; then x=0; d=0; [ -f "$u/libvirt.xml" ] && x=1; [ -e "$u/disk" ] && d=1; echo "dir $u xml=$x disk=$d"; fi',
  'done',
].join('\n');

/** `<instancesPath>/<uuid>/` and its libvirt.xml, for many instances in one command. */
export function probeInstanceDirs(host: string, instancesPath: string, uuids: readonly string[]): ReadShell {
  return {
    kind: 'shell',
    host,
    argv: ['sh', '-c', PROBE_SCRIPT, 'sh', instancesPath, ...uuids],
    mutating: false,
    summary: `look for ${uuids.length} instance director${uuids.length === 1 ? 'y' : 'ies'} under ${instancesPath} on ${host}`,
    target: { host },
    command: uuids.length <= 3 ? posixCommand(['ls', '-d', ...uuids.map((u) => `${instancesPath}/${u}/libvirt.xml`)]) : `ls -d ${instancesPath}/{${uuids.length} instance uuids}/libvirt.xml`,
    timeoutMs: 60_000,
  };
}

export function parseInstanceDirProbe(stdout: string): InstanceDirProbe {
  const dirs = new Map<string, { libvirtXml: boolean; disk: boolean }>();
  let instancesPathExists = true;
  for (const line of stdout.split('\n')) {
    if (line.trim() === 'missing-instances-path') instancesPathExists = false;
    const m = /^dir (\S+) xml=([01]) disk=([01])$/.exec(line.trim());
    if (m) dirs.set(m[1], { libvirtXml: m[2] === '1', disk: m[3] === '1' });
  }
  return { instancesPathExists, dirs };
}

const READ_SCRIPT = 'for f; do if [ -f "$f" ]; then printf "%s " "$f"; base64 < "$f" | tr -d "\\n"; echo; fi; done';

/** The content of several files (those that exist), base64 on one line each: `<path> <base64>`. */
export function readFiles(host: string, paths: readonly string[]): ReadShell {
  return {
    kind: 'shell',
    host,
    argv: ['sh', '-c', READ_SCRIPT, 'sh', ...paths],
    mutating: false,
    summary: `read ${paths.length} file(s) on ${host}`,
    target: { host },
    command: paths.length <= 3 ? posixCommand(['cat', ...paths]) : `cat {${paths.length} files}`,
    timeoutMs: 120_000,
  };
}

export function parseReadFiles(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    out.set(line.slice(0, space), Buffer.from(line.slice(space + 1).trim(), 'base64').toString('utf8'));
  }
  return out;
}

const BACKUP_SCRIPT = '[ -e "$2" ] || cp -p "$1" "$2"';

/** Copies `path` to `backupPath` (mode, owner and times kept) unless a backup is already there: the first one is the original. */
export function backupFile(host: string, path: string, backupPath: string, target: { instance?: string }): ShellOperation {
  return {
    kind: 'shell',
    host,
    argv: ['sh', '-c', BACKUP_SCRIPT, 'sh', path, backupPath],
    mutating: true,
    summary: `keep the original ${path} as ${backupPath} on ${host}`,
    target: { host, ...target },
    command: `[ -e ${posixCommand([backupPath])} ] || cp -p ${posixCommand([path, backupPath])}`,
    timeoutMs: 60_000,
  };
}

/** Exit code of replaceFileIfUnchanged when the file is neither what was read nor what is to be written. */
export const FILE_CHANGED_EXIT = 3;

const REPLACE_SCRIPT = [
  'set -e',
  'cur=$(sha256sum < "$1" | cut -c1-64)',
  'if [ "$cur" = "$3" ]; then exit 0; fi',
  `if [ "$cur" != "$2" ]; then echo "$1 changed since the plan was made (sha256 $cur, expected $2); not written" >&2; exit ${FILE_CHANGED_EXIT}; fi`,
  'cp -p "$1" "$1.novaops-tmp"',
  'printf "%s" "$4" > "$1.novaops-tmp"',
  'mv -f "$1.novaops-tmp" "$1"',
].join('\n');

/**
 * Writes `content` to `path` (mode and owner kept, replaced in one rename) only if the file is still
 * the one read when the plan was made (sha256 `expected`); already `content` is success (a resume).
 */
export function replaceFileIfUnchanged(
  host: string,
  path: string,
  expected: string,
  content: { text: string; sha256: string; description: string },
  target: { instance?: string },
): ShellOperation {
  return {
    kind: 'shell',
    host,
    argv: ['sh', '-c', REPLACE_SCRIPT, 'sh', path, expected, content.sha256, content.text],
    mutating: true,
    summary: `write ${path} on ${host}: ${content.description}`,
    target: { host, ...target },
    command: `write ${path} (${content.description}; only if its sha256 is still ${expected.slice(0, 12)}…)`,
    timeoutMs: 60_000,
  };
}
