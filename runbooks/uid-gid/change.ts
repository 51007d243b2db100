// Step 1 of uid-gid, per host, one item: stop nova-compute and libvirtd, usermod/groupmod to the
// target ids, chown/chgrp every file the old ids own under the covered paths, start libvirtd and
// nova-compute again — even when the change failed (invariant 13) — and read back that no file is
// left on an old id. Moves that would meet an id still in use go round by round, through a
// temporary id for a swap (src/operations/id-moves.ts).
import type { Guard, PlanItem, Step, StepContext } from '../../src/engine/runbook.js';
import { chownRoundOp, idModOp, serviceOp, type GuardedAt, type IdState } from '../../src/operations/id-change-ops.js';
import { filesOwnedBy } from '../../src/operations/owner-scan.js';
import type { ShellOperation } from '../../src/operations/types.js';
import { ACCOUNTS, SERVICES, TRACKED_NAMES } from './accounts.js';
import { hostIds, readAccounts, scanOwners } from './audit.js';
import { auditFact, type HostAudit, type IdSet } from './facts.js';
import type { UidGidParams } from './params.js';
import { targetConflicts } from './targets.js';

type Ctx = StepContext<UidGidParams>;

const targetsFreeGuard: Guard<UidGidParams> = {
  name: 'each target id is free on every host',
  describe:
    "read now from each host's /etc/passwd and /etc/group: every target uid and gid is held by nobody, or only by the account that gets it, or by a tracked account that moves away from it in this change; a free target owns no file under the covered paths",
  async check(ctx) {
    const audit = auditFact.require(ctx);
    const problems = (
      await ctx.mapLimit(audit.hosts, async (h) => {
        const { passwd, group } = await readAccounts(ctx, h.host);
        return targetConflicts(hostIds(h.host, passwd, group, new Map(Object.entries(h.owners))), audit.targets, h.current);
      })
    ).flat();
    if (problems.length > 0) return { ok: false, detail: `${problems.join('; ')}; choose other ids (${ACCOUNTS.map((a) => a.option).join(', ')}) or free them first` };
    return { ok: true, detail: `${ACCOUNTS.map((a) => `${a.kind} ${audit.targets[a.key]}`).join(', ')}: free for their accounts on ${audit.hosts.map((h) => h.host).join(', ')}` };
  },
};

function initialState(h: HostAudit): IdState {
  const state: IdState = { uids: {}, gids: {} };
  for (const a of ACCOUNTS) (a.kind === 'uid' ? state.uids : state.gids)[a.name] = h.current[a.key]!;
  return state;
}

/** The item's usermod/groupmod and chown operations, each guarded by the state it runs in. */
function changeOps(h: HostAudit): ShellOperation[] {
  const states: IdState[] = [initialState(h)];
  const plan: ({ kind: 'uid' | 'gid'; move: HostAudit['rounds'][number]['uids'][number]; at: number } | { kind: 'chown'; round: number; at: number })[] = [];
  h.rounds.forEach((round, r) => {
    for (const [kind, moves] of [['uid', round.uids], ['gid', round.gids]] as const) {
      for (const move of moves) {
        const prev = states[states.length - 1];
        const next: IdState = { uids: { ...prev.uids }, gids: { ...prev.gids } };
        (kind === 'uid' ? next.uids : next.gids)[move.name] = move.to;
        plan.push({ kind, move, at: states.length - 1 });
        states.push(next);
      }
    }
    if (h.covered.length > 0) plan.push({ kind: 'chown', round: r, at: states.length - 1 });
  });
  const at = (i: number): GuardedAt => ({ root: h.root, names: TRACKED_NAMES, want: states[i], later: states.slice(i + 1) });
  return plan.map((p) => (p.kind === 'chown' ? chownRoundOp(h.host, h.covered, h.rounds[p.round].uids, h.rounds[p.round].gids, at(p.at)) : idModOp(h.host, p.kind, p.move, at(p.at))));
}

function hostItem(h: HostAudit, targets: IdSet): PlanItem<{ host: string }> {
  const moves = h.rounds.flatMap((r) => [...r.uids.map((m) => ({ ...m, kind: 'uid' })), ...r.gids.map((m) => ({ ...m, kind: 'gid' }))]);
  const finals = ACCOUNTS.filter((a) => h.current[a.key] !== targets[a.key]).map((a) => `${a.label} ${h.current[a.key]}→${targets[a.key]}`);
  const parked = moves.filter((m) => m.temporary).map((m) => `${m.kind === 'uid' ? 'user' : 'group'} ${m.name} via ${m.to}`);
  return {
    key: `ids:${h.host}`,
    summary: `${h.host}: ${finals.join(', ')}${parked.length ? ` (a swap: ${parked.join(', ')})` : ''}; files under ${h.covered.length} path(s) follow`,
    target: { host: h.host },
    ops: [
      ...SERVICES.stopOrder.map((u) => serviceOp(h.host, 'stop', u)),
      ...changeOps(h),
      ...SERVICES.startOrder.map((u) => serviceOp(h.host, 'start', u)),
    ],
    data: { host: h.host },
  };
}

/** The hosts this run changes: the test host alone, or every audited one. */
function inScope(ctx: Ctx, hosts: readonly HostAudit[]): HostAudit[] {
  return ctx.scope.host ? hosts.filter((h) => h.host === ctx.scope.host) : [...hosts];
}

/** Ids the change leaves to nobody: the old ids no account takes, and the temporaries. */
function retiredIds(h: HostAudit, targets: IdSet, kind: 'uid' | 'gid'): number[] {
  const finals = new Set(ACCOUNTS.filter((a) => a.kind === kind).map((a) => targets[a.key]));
  const old = ACCOUNTS.filter((a) => a.kind === kind).map((a) => h.current[a.key]!);
  const temps = h.rounds.flatMap((r) => (kind === 'uid' ? r.uids : r.gids)).filter((m) => m.temporary).map((m) => m.to);
  return [...new Set([...old, ...temps])].filter((id) => !finals.has(id));
}

interface ReadBack {
  ok: boolean;
  lines: string[];
}

/** The host as it is now against the targets: ids in passwd/group, files left on retired ids, files on each new id. */
async function readBack(ctx: Ctx, h: HostAudit, targets: IdSet, paths: readonly string[]): Promise<ReadBack> {
  const { passwd, group } = await readAccounts(ctx, h.host);
  const now = hostIds(h.host, passwd, group, new Map());
  const problems: string[] = [];
  for (const a of ACCOUNTS) {
    const id = (a.kind === 'uid' ? now.users : now.groups).get(a.name);
    if (id !== targets[a.key]) problems.push(`${a.label} has ${a.kind} ${id ?? 'none'}, not ${targets[a.key]}`);
  }
  const scan = await scanOwners(ctx, h.host, paths);
  const before = { owners: new Map(Object.entries(h.owners)) };
  const lines: string[] = [];
  for (const kind of ['uid', 'gid'] as const) {
    const retired = retiredIds(h, targets, kind);
    const left = retired.reduce((n, id) => n + filesOwnedBy(scan, kind, id), 0);
    lines.push(`${left} file(s) owned by old or temporary ${kind}s${retired.length ? ` (${retired.join(', ')})` : ''}`);
    if (left > 0) problems.push(`${left} file(s) still owned by old or temporary ${kind}s ${retired.join(', ')}`);
  }
  const oldIds = (kind: 'uid' | 'gid') => new Set(ACCOUNTS.filter((a) => a.kind === kind).map((a) => h.current[a.key]!));
  for (const a of ACCOUNTS) {
    const target = targets[a.key];
    const expected = filesOwnedBy(before, a.kind, h.current[a.key]!) + (oldIds(a.kind).has(target) ? 0 : filesOwnedBy(before, a.kind, target));
    const found = filesOwnedBy(scan, a.kind, target);
    lines.push(`${a.label} ${a.kind} ${target}: ${found} file(s), ${expected} before`);
    // Fewer than its own files before means some went to another account; more can be new files (the services run again).
    if (found < expected) problems.push(`${a.label} ${a.kind} ${target} owns ${found} file(s), fewer than the ${expected} it owned before the change`);
  }
  return { ok: problems.length === 0, lines: problems.length ? problems : lines };
}

async function servicesActive(ctx: Ctx, host: string): Promise<boolean> {
  const units = [...SERVICES.startOrder];
  const r = await ctx.tryRead({
    kind: 'shell',
    host,
    argv: ['systemctl', 'is-active', ...units],
    mutating: false,
    summary: `are ${units.join(' and ')} running on ${host}?`,
    target: { host },
    command: `systemctl is-active ${units.join(' ')}`,
    okExit: Array.from({ length: 256 }, (_, i) => i),
    timeoutMs: 60_000,
  });
  return r.exitCode === 0;
}

export const changeStep: Step<UidGidParams> = {
  id: 'change-ids',
  title: 'Set the nova and libvirt-qemu UIDs and the nova and libvirtd GIDs, and change the files they own',
  changes:
    'per host: stops nova-compute and libvirtd, changes the ids in /etc/passwd and /etc/group (usermod, groupmod), chowns the files of the old ids under the covered paths (never following a link, never leaving a file system), starts libvirtd and nova-compute again',
  warnings: [
    'nova-compute and libvirtd are stopped on each host while its ids change: instances keep running, but the host takes no new work and libvirt cannot be reached until they are started again.',
    'Files on other file systems (an NFS instances path) are not changed: -xdev stays on each covered path\'s own file system. Run it on the host that exports them, or give them with --path.',
  ],
  guards: [targetsFreeGuard],
  async plan(ctx) {
    const audit = auditFact.require(ctx);
    const notes: string[] = [];
    const items: PlanItem[] = [];
    for (const h of inScope(ctx, audit.hosts)) {
      if (h.conflicts.length > 0) notes.push(`${h.host}: ${h.conflicts.join('; ')}`);
      else if (h.rounds.length === 0) notes.push(`${h.host} already has the target ids: nothing to change there`);
      else items.push(hostItem(h, audit.targets));
    }
    if (ctx.scope.host) notes.push(`test mode: only ${ctx.scope.host} is changed; ${audit.hosts.filter((h) => h.host !== ctx.scope.host).map((h) => h.host).join(', ') || 'no other host'} left as they are`);
    return { items, notes };
  },
  async resolve(ctx, item) {
    const audit = auditFact.require(ctx);
    const h = audit.hosts.find((x) => x.host === (item.data as { host: string }).host)!;
    const back = await readBack(ctx, h, audit.targets, audit.paths);
    return back.ok && (await servicesActive(ctx, h.host)) ? 'done' : 'not-done';
  },
  async verify(ctx) {
    const audit = auditFact.require(ctx);
    const results = await ctx.mapLimit(inScope(ctx, audit.hosts), async (h) => ({ host: h.host, ...(await readBack(ctx, h, audit.targets, audit.paths)) }));
    const detail = results.map((r) => `${r.host}: ${r.lines.join(', ')}`).join('; ');
    return { ok: results.every((r) => r.ok), detail };
  },
};
