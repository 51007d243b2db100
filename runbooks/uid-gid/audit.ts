// Step 0 of uid-gid, read-only, every host at once: the current ids of nova, libvirt-qemu (users)
// and nova, libvirtd (groups) from the host's /etc/passwd and /etc/group, and who owns the files
// under the covered paths (one find per host). From these: the target ids (given, or proposed), and
// per host the moves in the order that never puts two accounts on one id. A host the config does not
// know was refused before the run existed (check-input.ts, exit 2). A configured host that does not
// answer is no typo: the operator named a real host whose precondition failed, so the run is
// refused (exit 3), before anything changed, like a guard that fails.
import { RefusedError, UsageError } from '../../src/engine/errors.js';
import type { Step, StepContext } from '../../src/engine/runbook.js';
import { parseAccounts, type Accounts } from '../../src/operations/accounts.js';
import { orderMoves, zipRounds, type IdChange } from '../../src/operations/id-moves.js';
import { catOp, filesOwnedBy, ownerScanOp, parseOwnerScan, underRoot, type OwnerScan } from '../../src/operations/owner-scan.js';
import { ACCOUNTS } from './accounts.js';
import { auditFact, type HostAudit, type IdSet } from './facts.js';
import { hostsParam, pathsParam, targetParam, type UidGidParams } from './params.js';
import { proposeTargets, targetConflicts, type HostIds } from './targets.js';

type Ctx = StepContext<UidGidParams>;

export interface HostReading {
  ids: HostIds;
  passwd: Accounts;
  group: Accounts;
}

/** A host's passwd and group, read now. */
export async function readAccounts(ctx: Ctx, host: string): Promise<{ passwd: Accounts; group: Accounts }> {
  const root = ctx.hostRoot(host);
  const read = async (file: string) => {
    const r = await ctx.tryRead(catOp(host, underRoot(root, file), file));
    if (!r.ok) throw new RefusedError(`could not read ${file} on ${host}: ${r.error ?? 'failed'}`, `check that ${host} is up and reachable (novaops doctor), then run again`);
    return parseAccounts(r.stdout ?? '');
  };
  const [passwd, group] = await Promise.all([read('/etc/passwd'), read('/etc/group')]);
  for (const line of passwd.rejected) ctx.warn(`${host}: a line of /etc/passwd that is not name:x:uid:... was left out: ${line.slice(0, 80)}`);
  for (const line of group.rejected) ctx.warn(`${host}: a line of /etc/group that is not name:x:gid:... was left out: ${line.slice(0, 80)}`);
  return { passwd, group };
}

export async function scanOwners(ctx: Ctx, host: string, paths: readonly string[]): Promise<OwnerScan> {
  const r = await ctx.tryRead(ownerScanOp(host, ctx.hostRoot(host), paths));
  if (!r.ok) throw new RefusedError(`could not list the owners of the files on ${host}: ${r.error ?? 'failed'}`, `check that ${host} is up and reachable (novaops doctor), then run again`);
  return parseOwnerScan(r.stdout ?? '');
}

export function hostIds(host: string, passwd: Accounts, group: Accounts, owners: Map<string, number>): HostIds {
  return { host, users: new Map(passwd.entries.map((e) => [e.name, e.id])), groups: new Map(group.entries.map((e) => [e.name, e.id])), owners };
}

function currentIds(h: HostIds): Partial<IdSet> {
  const out: Partial<IdSet> = {};
  for (const a of ACCOUNTS) {
    const id = (a.kind === 'uid' ? h.users : h.groups).get(a.name);
    if (id !== undefined) out[a.key] = id;
  }
  return out;
}

/** The moves of one host, round by round (empty when a conflict leaves it to the guard). */
function roundsOf(h: HostIds, targets: IdSet): HostAudit['rounds'] {
  if (targetConflicts(h, targets).length > 0) return [];
  const changes = (kind: 'uid' | 'gid'): IdChange[] =>
    ACCOUNTS.filter((a) => a.kind === kind).map((a) => ({ name: a.name, from: (kind === 'uid' ? h.users : h.groups).get(a.name)!, to: targets[a.key] }));
  const owning = (kind: 'uid' | 'gid') => new Set([...h.owners.keys()].map((k) => Number(k.split(' ')[kind === 'uid' ? 0 : 1])));
  const files = (kind: 'uid' | 'gid') => (c: IdChange) => filesOwnedBy({ owners: h.owners }, kind, c.from);
  const uids = orderMoves({ changes: changes('uid'), held: new Set(h.users.values()), avoid: new Set([...owning('uid'), ...Object.values(targets)]), files: files('uid') });
  const gids = orderMoves({ changes: changes('gid'), held: new Set(h.groups.values()), avoid: new Set([...owning('gid'), ...Object.values(targets)]), files: files('gid') });
  return zipRounds(uids, gids);
}

export const auditStep: Step<UidGidParams> = {
  id: 'audit',
  title: 'Audit: the nova and libvirt-qemu UIDs, the nova and libvirtd GIDs, and their files, on every host',
  changes: 'nothing (read-only)',
  readOnly: true,
  async plan(ctx) {
    const p = ctx.params;
    const hosts = hostsParam(p);
    // Unknown hosts were refused before the run existed (check-input.ts).
    const paths = pathsParam(p);
    const readings = await ctx.mapLimit(hosts, async (host) => {
      const [{ passwd, group }, scan] = await Promise.all([readAccounts(ctx, host), scanOwners(ctx, host, paths)]);
      return { host, ids: hostIds(host, passwd, group, scan.owners), scan };
    });

    const given = Object.fromEntries(ACCOUNTS.map((a) => [a.key, targetParam(p, a.key)]).filter(([, v]) => v !== undefined));
    let chosen: ReturnType<typeof proposeTargets>;
    try {
      chosen = proposeTargets(readings.map((r) => r.ids), given);
    } catch (error) {
      throw new UsageError(`${(error as Error).message}`, `give the target ids yourself: ${ACCOUNTS.map((a) => `${a.option} N`).join(' ')}`);
    }
    const { targets, proposed } = chosen;

    const notes: string[] = [];
    const kept = (key: (typeof ACCOUNTS)[number]['key']) => readings.every((r) => currentIds(r.ids)[key] === targets[key]);
    const why = (key: (typeof ACCOUNTS)[number]['key']) =>
      !proposed.includes(key) ? '' : kept(key) ? ' (proposed: it has it on every host already)' : ' (proposed: free on every host)';
    notes.push(`targets: ${ACCOUNTS.map((a) => `${a.label} ${a.kind} ${targets[a.key]}${why(a.key)}`).join(', ')}`);
    if (proposed.length > 0) notes.push(`to choose them yourself: ${ACCOUNTS.map((a) => `${a.option} ${targets[a.key]}`).join(' ')}`);
    const audits: HostAudit[] = readings.map(({ host, ids, scan }) => {
      const current = currentIds(ids);
      const counts = ACCOUNTS.map((a) => {
        const id = current[a.key];
        return id === undefined ? `${a.label} missing` : `${a.label} ${a.kind} ${id} (${filesOwnedBy(scan, a.kind, id)} file(s))`;
      });
      notes.push(`${host}: ${counts.join(', ')}`);
      for (const s of scan.symlinks) ctx.warn(`${host}: ${s} is a symbolic link: not followed, its files are not covered (give its target with --path)`);
      for (const u of scan.unreadable) ctx.warn(`${host}: find could not read all of ${u}; files there may be missed`);
      if (scan.missing.length > 0) notes.push(`${host}: not there, skipped: ${scan.missing.join(', ')}`);
      return {
        host,
        root: ctx.hostRoot(host),
        current,
        covered: scan.covered,
        owners: Object.fromEntries(scan.owners),
        heldUids: [...new Set(ids.users.values())],
        heldGids: [...new Set(ids.groups.values())],
        conflicts: targetConflicts(ids, targets),
        rounds: roundsOf(ids, targets),
      };
    });
    await auditFact.set(ctx, { targets, proposed, paths, hosts: audits });
    return { items: [], notes };
  },
};
