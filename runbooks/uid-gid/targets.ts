// The target ids: given by the operator, or proposed — an account that already has one id on every
// host keeps it; otherwise the smallest id from 100 (Debian's first system id) that every host
// leaves free for it (held by nobody else, owning no file under the covered paths). And the check
// the guard makes: on each host, each target is free, or held only by a tracked account that moves
// away from it in this change (a chain or a swap).
import { filesOwnedBy } from '../../src/operations/owner-scan.js';
import { ACCOUNTS, type AccountKey, type TrackedAccount } from './accounts.js';
import type { IdSet } from './facts.js';

/** One host's accounts as read: name -> id, per kind; and its file owners. */
export interface HostIds {
  host: string;
  users: Map<string, number>;
  groups: Map<string, number>;
  owners: Map<string, number>;
}

const FIRST_SYSTEM_ID = 100;
const LAST_ID = 59999;

function table(h: HostIds, a: Pick<TrackedAccount, 'kind'>): Map<string, number> {
  return a.kind === 'uid' ? h.users : h.groups;
}

function holders(h: HostIds, kind: 'uid' | 'gid', id: number): string[] {
  return [...table(h, { kind })].filter(([, v]) => v === id).map(([n]) => n);
}

export function proposeTargets(hosts: readonly HostIds[], given: Partial<Record<AccountKey, number>>): { targets: IdSet; proposed: AccountKey[] } {
  const targets: Partial<IdSet> = {};
  const proposed: AccountKey[] = [];
  for (const a of ACCOUNTS) {
    const g = given[a.key];
    if (g !== undefined) targets[a.key] = g;
  }
  const takenBy = (a: TrackedAccount) => new Set(ACCOUNTS.filter((o) => o.kind === a.kind && o.key !== a.key && targets[o.key] !== undefined).map((o) => targets[o.key]!));
  const fits = (a: TrackedAccount, id: number) =>
    !takenBy(a).has(id) &&
    hosts.every((h) => {
      const who = holders(h, a.kind, id);
      if (who.some((n) => n !== a.name)) return false;
      return who.length > 0 || filesOwnedBy({ owners: h.owners }, a.kind, id) === 0;
    });
  for (const a of ACCOUNTS) {
    if (targets[a.key] !== undefined) continue;
    const now = new Set(hosts.map((h) => table(h, a).get(a.name)));
    const same = now.size === 1 ? [...now][0] : undefined;
    let pick = same !== undefined && fits(a, same) ? same : undefined;
    for (let id = FIRST_SYSTEM_ID; pick === undefined && id <= LAST_ID; id++) if (fits(a, id)) pick = id;
    if (pick === undefined) throw new Error(`no ${a.kind} from ${FIRST_SYSTEM_ID} to ${LAST_ID} is free for ${a.label} on every host`);
    targets[a.key] = pick;
    proposed.push(a.key);
  }
  return { targets: targets as IdSet, proposed };
}

/** Why the targets cannot be used on this host, one sentence each (none: they can). */
export function targetConflicts(h: HostIds, targets: IdSet, audited?: Partial<IdSet>): string[] {
  const problems: string[] = [];
  for (const a of ACCOUNTS) {
    if (!table(h, a).has(a.name)) problems.push(`${h.host} has no ${a.label} (${a.kind === 'uid' ? '/etc/passwd' : '/etc/group'}); create it there first`);
  }
  for (const a of ACCOUNTS) {
    const target = targets[a.key];
    const movingAway = new Set(ACCOUNTS.filter((o) => o.kind === a.kind && table(h, o).get(o.name) !== targets[o.key]).map((o) => o.name));
    const others = holders(h, a.kind, target).filter((n) => n !== a.name && !movingAway.has(n));
    if (others.length > 0) {
      problems.push(`${a.kind} ${target} (for ${a.label}) is held on ${h.host} by ${a.kind === 'uid' ? 'user' : 'group'} ${others.join(', ')}`);
      continue;
    }
    // An id a tracked account held at the audit owns that account's files (a change under way), not orphans.
    const ownedBefore = ACCOUNTS.some((o) => o.kind === a.kind && audited?.[o.key] === target);
    const held = holders(h, a.kind, target).length > 0;
    const orphans = held || ownedBefore ? 0 : filesOwnedBy({ owners: h.owners }, a.kind, target);
    if (orphans > 0) {
      problems.push(`${a.kind} ${target} (for ${a.label}) is nobody's on ${h.host} but owns ${orphans} file(s) under the covered paths: they would become ${a.label}'s`);
    }
  }
  return problems;
}
