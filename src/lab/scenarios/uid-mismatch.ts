// uid-mismatch: compute hosts whose nova / libvirt-qemu UIDs and nova / libvirtd GIDs differ
// (DESIGN section 6; the guide's §5.4.14.3). The first host is a chain against the guide's
// targets (nova 108→112 while libvirt-qemu 112→119; libvirtd 120→119 while nova 114→120), the
// second a swap (nova 119 and libvirt-qemu 112; groups nova 119 and libvirtd 120), the others
// carry Debian's package ids. Each host gets real files with real owners under var/lib/nova,
// etc/nova, var/log/nova and var/lib/libvirt: symbolic links whose targets lie outside the host's
// root (owned by the same old ids: following a link would change them), hard links, and, when
// asked, files chown cannot change (ext4's immutable flag, `chattr +i`: even root gets EPERM).
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, linkSync, lchownSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { groupText, passwdText, shadowText, type HostIds } from '../host-files.js';
import { hostPaths } from '../paths.js';
import { seededRng } from '../random.js';
import type { LabInfo } from '../types.js';

export interface UidMismatchOptions {
  /** Files per host owned by the tracked ids (default 1000). */
  files?: number;
  /** Files per host under etc/nova that chown cannot change (chattr +i). */
  immutable?: number;
  seed?: number;
}

/** The guide's example targets: nova 112, libvirt-qemu 119, group nova 120, group libvirtd 119. */
export const GUIDE_TARGETS = { novaUid: 112, qemuUid: 119, novaGid: 120, libvirtdGid: 119 } as const;

const LAYOUTS: HostIds[] = [
  { novaUid: 108, qemuUid: 112, novaGid: 114, libvirtdGid: 120, kvmGid: 108 },
  { novaUid: 119, qemuUid: 112, novaGid: 119, libvirtdGid: 120, kvmGid: 108 },
];
const DEBIAN: HostIds = { novaUid: 64060, qemuUid: 64055, novaGid: 64060, libvirtdGid: 110, kvmGid: 108 };

export interface UidMismatchHost {
  host: string;
  root: string;
  ids: HostIds;
  /** Entries (files, directories, links) per owner as created. */
  owned: { nova: number; qemu: number; libvirtd: number; root: number };
  symlinks: { link: string; target: string }[];
  hardLinks: [string, string][];
  immutable: string[];
}

export interface UidMismatchSummary {
  name: 'uid-mismatch';
  targets: typeof GUIDE_TARGETS;
  /** Where the symbolic links point: outside every host's root. */
  outsideDir: string;
  hosts: UidMismatchHost[];
}

const COVERED = ['var/lib/nova', 'etc/nova', 'var/log/nova', 'var/lib/libvirt'];

function immutableList(labDirectory: string): string {
  return path.join(labDirectory, 'uid-mismatch-immutable.json');
}

/** Clears the immutable flags a uid-mismatch scenario set, so that the files can be changed or removed again. */
export function releaseImmutable(labDirectory: string): void {
  const list = immutableList(labDirectory);
  if (!existsSync(list)) return;
  const files = JSON.parse(readFileSync(list, 'utf8')) as string[];
  const present = files.filter((f) => existsSync(f));
  if (present.length > 0) execFileSync('chattr', ['-i', ...present]);
  rmSync(list, { force: true });
}

export async function applyUidMismatch(info: LabInfo, opts: UidMismatchOptions = {}): Promise<UidMismatchSummary> {
  const files = opts.files ?? 1000;
  const rng = seededRng(opts.seed ?? 1);
  releaseImmutable(info.dir);
  const outsideDir = path.join(info.dir, 'outside-host-roots');
  rmSync(outsideDir, { recursive: true, force: true });
  const hosts = info.hosts.map((host, i) => buildHost(info.dir, host, LAYOUTS[i] ?? DEBIAN, files, opts.immutable ?? 0, outsideDir, rng.hex(6)));
  const immutable = hosts.flatMap((h) => h.immutable);
  if (immutable.length > 0) {
    writeFileSync(immutableList(info.dir), JSON.stringify(immutable));
    execFileSync('chattr', ['+i', ...immutable]);
  }
  return { name: 'uid-mismatch', targets: GUIDE_TARGETS, outsideDir, hosts };
}

function buildHost(labDirectory: string, host: string, ids: HostIds, files: number, immutableCount: number, outsideDir: string, tag: string): UidMismatchHost {
  const hp = hostPaths(labDirectory, host);
  for (const dir of COVERED) rmSync(path.join(hp.root, dir), { recursive: true, force: true });
  writeFileSync(hp.passwd, passwdText(ids));
  writeFileSync(hp.group, groupText(ids));
  writeFileSync(hp.shadow, shadowText(passwdText(ids), 9), { mode: 0o640 });
  writeFileSync(hp.gshadow, shadowText(groupText(ids), 4), { mode: 0o640 });
  rmSync(hp.services, { recursive: true, force: true });
  mkdirSync(hp.services, { recursive: true });
  for (const unit of ['nova-compute', 'libvirtd']) writeFileSync(path.join(hp.services, unit), 'active\n');

  const owned = { nova: 0, qemu: 0, libvirtd: 0, root: 0 };
  const owners = {
    nova: [ids.novaUid, ids.novaGid],
    qemu: [ids.qemuUid, ids.kvmGid],
    libvirtd: [0, ids.libvirtdGid],
    root: [0, 0],
  } as const;
  const make = (p: string, who: keyof typeof owners, kind: 'dir' | 'file') => {
    if (kind === 'dir') mkdirSync(p, { recursive: true });
    else closeSync(openSync(p, 'w'));
    lchownSync(p, owners[who][0], owners[who][1]);
    owned[who] += 1;
  };
  const rooted = (...parts: string[]) => path.join(hp.root, ...parts);
  make(rooted('var/lib/nova'), 'nova', 'dir');
  make(rooted('var/lib/nova/instances'), 'nova', 'dir');
  make(rooted('etc/nova'), 'libvirtd', 'dir');
  make(rooted('var/log/nova'), 'nova', 'dir');
  make(rooted('var/lib/libvirt'), 'root', 'dir');
  make(rooted('var/lib/libvirt/qemu'), 'libvirtd', 'dir');
  for (const conf of ['nova.conf', 'nova-compute.conf', 'api-paste.ini']) make(rooted('etc/nova', conf), 'libvirtd', 'file');
  make(rooted('var/log/nova', 'nova-compute.log'), 'nova', 'file');

  const symlinks: UidMismatchHost['symlinks'] = [];
  const hardLinks: UidMismatchHost['hardLinks'] = [];
  const outside = path.join(outsideDir, host);
  mkdirSync(outside, { recursive: true });
  let dir = '';
  for (let i = 0; i < files; i++) {
    // 60% nova:nova under the instances path, 25% libvirt-qemu:kvm and 10% root:libvirtd under libvirt's, 5% root's.
    const slot = i % 20;
    if (i % 50 === 0) {
      dir = rooted('var/lib/nova/instances', `${tag}-${String(i / 50).padStart(5, '0')}`);
      make(dir, 'nova', 'dir');
      make(path.join(dir, 'qemu'), 'qemu', 'dir');
    }
    if (slot < 12) make(path.join(dir, `f${i}`), 'nova', 'file');
    else if (slot < 17) make(path.join(dir, 'qemu', `disk${i}`), 'qemu', 'file');
    else if (slot < 19) make(rooted('var/lib/libvirt/qemu', `dom${i}.xml`), 'libvirtd', 'file');
    else make(path.join(dir, `root${i}`), 'root', 'file');
    if (i % 500 === 7) {
      const target = path.join(outside, `target${i}`);
      writeFileSync(target, 'outside the host root\n');
      lchownSync(target, ids.novaUid, ids.novaGid);
      const link = path.join(dir, `console${i}.log`);
      symlinkSync(target, link);
      lchownSync(link, ids.novaUid, ids.novaGid);
      owned.nova += 1;
      symlinks.push({ link, target });
    }
    if (i % 700 === 3 && slot < 12) {
      const second = path.join(dir, `hardlink${i}`);
      linkSync(path.join(dir, `f${i}`), second);
      hardLinks.push([path.join(dir, `f${i}`), second]);
    }
  }
  const immutable = Array.from({ length: immutableCount }, (_, j) => {
    const p = rooted('etc/nova', `locked${j}.conf`);
    make(p, 'nova', 'file');
    return p;
  });
  return { host, root: hp.root, ids, owned, symlinks, hardLinks, immutable };
}
