// What the uid-gid lab tests share: the guide's targets as options, a fingerprint of a host's
// whole tree with owners (lstat: links are never followed), each entry's owner, and the host's
// service log.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { type UidMismatchSummary, hostPaths } from '../../src/lab/index.js';

export const TARGET_ARGS = ['--nova-uid', '112', '--qemu-uid', '119', '--nova-gid', '120', '--libvirtd-gid', '119'];

export interface Entry {
  uid: number;
  gid: number;
  ino: number;
  link?: string;
}

/** Every entry under `root` (relative path -> owner), without following a link. */
export function entries(root: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      const st = lstatSync(p);
      out.set(path.relative(root, p), { uid: st.uid, gid: st.gid, ino: st.ino, ...(st.isSymbolicLink() ? { link: readlinkSync(p) } : {}) });
      if (st.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

/** A hash of a tree: names, owners, modes, sizes, link targets and file contents. */
export function treeHash(root: string): string {
  const h = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const st = lstatSync(p);
      h.update(`${path.relative(root, p)} ${st.uid}:${st.gid} ${st.mode.toString(8)} ${st.size}\n`);
      if (st.isSymbolicLink()) h.update(`-> ${readlinkSync(p)}\n`);
      else if (st.isFile()) h.update(readFileSync(p));
      else if (st.isDirectory()) walk(p);
    }
  };
  walk(root);
  return h.digest('hex');
}

export function serviceLog(labDir: string, host: string): string[] {
  try {
    return readFileSync(hostPaths(labDir, host).servicesLog, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

export function serviceState(labDir: string, host: string, unit: string): string {
  return readFileSync(path.join(hostPaths(labDir, host).services, unit), 'utf8').trim();
}

/** name -> id of a passwd or group file. */
export function ids(file: string): Map<string, number> {
  return new Map(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes(':'))
      .map((l) => l.split(':'))
      .map(([name, , id]) => [name, Number(id)]),
  );
}

/** The owner each entry must have after the change: each old id mapped to its account's target, the rest as it was. */
export function expectedAfter(before: Map<string, Entry>, uidMap: Map<number, number>, gidMap: Map<number, number>): Map<string, { uid: number; gid: number }> {
  return new Map([...before].map(([p, e]) => [p, { uid: uidMap.get(e.uid) ?? e.uid, gid: gidMap.get(e.gid) ?? e.gid }]));
}

export const machineAccounts = () => readFileSync('/etc/passwd', 'utf8') + readFileSync('/etc/group', 'utf8');

/** Each entry of the host against what the change must make of it: [path, found, expected] for every difference. */
export function wrongOwners(labDir: string, s: UidMismatchSummary, host: string, before: Map<string, Entry>): [string, string, string][] {
  const h = s.hosts.find((x) => x.host === host)!;
  const expected = expectedAfter(
    before,
    new Map([
      [h.ids.novaUid, s.targets.novaUid],
      [h.ids.qemuUid, s.targets.qemuUid],
    ]),
    new Map([
      [h.ids.novaGid, s.targets.novaGid],
      [h.ids.libvirtdGid, s.targets.libvirtdGid],
    ]),
  );
  const after = entries(hostPaths(labDir, host).root);
  // New: usermod's and groupmod's backups, and the lab's service log.
  const allowed = new Set(['etc/group-', 'etc/gshadow-', 'etc/passwd-', 'etc/shadow-', 'run/lab-services/systemctl.log']);
  expect([...after.keys()].filter((p) => !before.has(p) && !allowed.has(p))).toEqual([]);
  expect([...before.keys()].filter((p) => !after.has(p))).toEqual([]);
  return [...expected].flatMap(([p, e]) => {
    const a = after.get(p);
    return a && a.uid === e.uid && a.gid === e.gid ? [] : [[p, a ? `${a.uid}:${a.gid}` : 'gone', `${e.uid}:${e.gid}`] as [string, string, string]];
  });
}

/** The host's passwd and group carry the guide's targets (kvm, not tracked, unchanged). */
export function expectTargets(labDir: string, host: string) {
  const passwd = ids(hostPaths(labDir, host).passwd);
  const group = ids(hostPaths(labDir, host).group);
  expect([passwd.get('nova'), passwd.get('libvirt-qemu'), group.get('nova'), group.get('libvirtd'), group.get('kvm')]).toEqual([112, 119, 120, 119, 108]);
}

