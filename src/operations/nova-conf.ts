// What a compute host's own nova.conf says about where it keeps its instances. Nova reads its
// files in order (`--config-file /etc/nova/nova.conf --config-file /etc/nova/nova-compute.conf`),
// the later ones overriding; `instances_path` defaults to `$state_path/instances` and `state_path`
// to /var/lib/nova. A real cloud's computes often set it (the real beds put it under their own data
// directories), so a default guessed on the operator's side looks in the wrong place.
import { parse as parseIni } from 'ini';
import { underRoot } from './owner-scan.js';
import type { ShellOperation } from './types.js';

type ReadShell = ShellOperation & { mutating: false };

/** The files nova-compute reads on Debian and Ubuntu, in the order it reads them. */
export const DEFAULT_NOVA_CONF_FILES: readonly string[] = ['/etc/nova/nova.conf', '/etc/nova/nova-compute.conf'];
export const DEFAULT_STATE_PATH = '/var/lib/nova';

// Each file framed by a marker line, so that one command reads them all and a missing or
// unreadable file is said so rather than skipped in silence.
const DUMP_SCRIPT = ['for f; do', '  if [ -r "$f" ]; then echo "#novaops-file $f"; cat "$f"; echo; else echo "#novaops-missing $f"; fi', 'done'].join('\n');

export function readNovaConfs(host: string, root: string, files: readonly string[]): ReadShell {
  const paths = files.map((f) => underRoot(root, f));
  return {
    kind: 'shell',
    host,
    argv: ['sh', '-c', DUMP_SCRIPT, 'sh', ...paths],
    mutating: false,
    summary: `read ${files.join(' and ')} on ${host}`,
    target: { host },
    command: `cat ${paths.join(' ')}`,
    timeoutMs: 30_000,
  };
}

export interface NovaConfFile {
  /** The path as nova-compute knows it (without the host's root). */
  file: string;
  /** null: the file is missing or unreadable. */
  text: string | null;
}

export function parseNovaConfDump(stdout: string, root: string, files: readonly string[]): NovaConfFile[] {
  const byPath = new Map(files.map((f) => [underRoot(root, f), f]));
  const out: NovaConfFile[] = [];
  let current: NovaConfFile | undefined;
  for (const line of stdout.split('\n')) {
    const marker = /^#novaops-(file|missing) (.+)$/.exec(line);
    if (marker) {
      current = { file: byPath.get(marker[2]) ?? marker[2], text: marker[1] === 'file' ? '' : null };
      out.push(current);
    } else if (current?.text !== null && current !== undefined) {
      current.text += `${line}\n`;
    }
  }
  return out;
}

/** Where a host keeps its instances, and which file (or default) says so. */
export interface InstancesPathSource {
  path: string;
  /** e.g. "/etc/nova/nova-compute.conf [DEFAULT] instances_path", or "the default $state_path/instances". */
  from: string;
}

export function instancesPathOf(files: readonly NovaConfFile[]): InstancesPathSource {
  let statePath: { value: string; from: string } = { value: DEFAULT_STATE_PATH, from: `the default state_path ${DEFAULT_STATE_PATH}` };
  let instancesPath: { value: string; from: string } | undefined;
  for (const f of files) {
    if (f.text === null) continue;
    const defaults = defaultSection(f.text);
    if (typeof defaults.state_path === 'string' && defaults.state_path.trim()) {
      statePath = { value: defaults.state_path.trim(), from: `state_path from ${f.file}` };
    }
    if (typeof defaults.instances_path === 'string' && defaults.instances_path.trim()) {
      instancesPath = { value: defaults.instances_path.trim(), from: `${f.file} [DEFAULT] instances_path` };
    }
  }
  if (instancesPath) return { path: substitute(instancesPath.value, statePath.value), from: instancesPath.from };
  return { path: `${statePath.value.replace(/\/+$/, '')}/instances`, from: `the default $state_path/instances (${statePath.from})` };
}

/** oslo.config's `$state_path` and `${state_path}` in a value. */
function substitute(value: string, statePath: string): string {
  return value.replace(/\$\{state_path\}|\$state_path\b/g, statePath.replace(/\/+$/, ''));
}

function defaultSection(text: string): Record<string, unknown> {
  const parsed = parseIni(text) as Record<string, unknown>;
  const section = Object.entries(parsed).find(([k, v]) => k.toUpperCase() === 'DEFAULT' && typeof v === 'object' && v !== null);
  return (section?.[1] as Record<string, unknown> | undefined) ?? {};
}
