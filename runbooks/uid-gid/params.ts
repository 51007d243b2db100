// What `novaops run uid-gid` takes, checked before anything is read (exit 2, nothing changed): the
// hosts, the target ids (each a whole number other than 0, no two accounts of a kind on one id) and
// the paths whose files follow the ids. Each message names the option and what to type instead.
import path from 'node:path';
import { z } from 'zod';
import { showValue } from '../../src/values/show-value.js';
import { isHostName } from '../../src/values/validate.js';
import { declaredFields } from '../../src/engine/params-schema.js';
import { ACCOUNTS, type AccountKey } from './accounts.js';
import { uidGidManifest } from './manifest.js';

/** Where the files of nova and libvirt live on a KVM compute node (a missing one is skipped). */
export const DEFAULT_PATHS = ['/var/lib/nova', '/etc/nova', '/var/lib/libvirt', '/etc/libvirt', '/var/log/nova', '/var/log/libvirt'];

/** Ids above this are nobody's on purpose (65534 is nobody, 4294967295 is (uid_t)-1). */
const MAX_ID = 65533;

export const uidGidParams = z
  .object(declaredFields(uidGidManifest))
  .strict()
  .superRefine((p, ctx) => {
    const problem = (option: string, message: string) => ctx.addIssue({ code: 'custom', path: [option], message });
    if (p.hosts === undefined || p.hosts.trim() === '') {
      problem('--hosts', 'which compute hosts? give --hosts h1,h2,... (their names under hosts: in the novaops config): the ids are made identical across them');
    } else {
      const names = p.hosts.split(',').map((h) => h.trim());
      const bad = names.filter((h) => !isHostName(h));
      if (bad.length > 0) problem('--hosts', `${bad.map((h) => showValue(h)).join(', ')} ${bad.length === 1 ? 'is not a valid host name' : 'are not valid host names'} (letters, digits, hyphens, dots; separated by commas)`);
      const twice = names.filter((h, i) => names.indexOf(h) !== i);
      if (twice.length > 0) problem('--hosts', `${[...new Set(twice)].join(', ')} given twice`);
    }
    for (const account of ACCOUNTS) {
      const value = p[account.key];
      if (value === undefined) continue;
      if (!/^\d{1,10}$/.test(value)) problem(account.option, `${showValue(value)} is not a number; give the ${account.kind} ${account.label} should have, e.g. ${account.option} ${account.example}`);
      else if (Number(value) === 0) problem(account.option, `0 is root's ${account.kind}; give another ${account.kind} for ${account.label}, e.g. ${account.option} ${account.example}`);
      else if (Number(value) > MAX_ID) problem(account.option, `${value} is above ${MAX_ID} (65534 is nobody); give a system id, e.g. ${account.option} ${account.example}`);
    }
    for (const kind of ['uid', 'gid'] as const) {
      const given = ACCOUNTS.filter((a) => a.kind === kind && p[a.key] !== undefined && /^\d+$/.test(p[a.key]!));
      const [a, b] = given;
      if (a && b && Number(p[a.key]) === Number(p[b.key])) {
        problem(b.option, `${a.option} and ${b.option} are both ${Number(p[a.key])}: ${a.label} and ${b.label} need different ${kind}s`);
      }
    }
    for (const raw of p.path) {
      if (!path.posix.isAbsolute(raw) || raw.split('/').includes('..') || /[\n\0]/.test(raw)) {
        problem('--path', `${showValue(raw)} is not an absolute path without '..' (e.g. --path /var/lib/nova)`);
      } else if (path.posix.normalize(raw) === '/') {
        problem('--path', "/ would cover the whole host; name the directories that hold nova's and libvirt's files (e.g. --path /var/lib/nova --path /srv/nova)");
      }
    }
  });

export type UidGidParams = z.output<typeof uidGidParams>;

export function hostsParam(p: UidGidParams): string[] {
  return (p.hosts ?? '').split(',').map((h) => h.trim()).filter(Boolean);
}

export function targetParam(p: UidGidParams, key: AccountKey): number | undefined {
  const v = p[key];
  return v === undefined ? undefined : Number(v);
}

/** The covered paths: --path (each once, normalised) or the defaults. */
export function pathsParam(p: UidGidParams): string[] {
  const given = p.path.length > 0 ? p.path.map((x) => path.posix.normalize(x).replace(/\/+$/, '')) : DEFAULT_PATHS;
  return [...new Set(given)];
}
