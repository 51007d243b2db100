// The mutating shell operations of a host's id change: stop and start its services, usermod and
// groupmod, and the chown pass of each round. Each usermod, groupmod and chown runs only while the
// host's accounts still read as the plan expects at that point, and reports "already done" when
// they read as a later point: an item started over after a failure, or resumed after a crash,
// never moves an account back or hands one account's files to another.
import type { IdMove } from './id-moves.js';
import { describeChownFailures } from './chown-failures.js';
import { posixCommand } from './posix-quote.js';
import { underRoot } from './owner-scan.js';
import type { ShellOperation } from './types.js';

/** The accounts whose ids the state tracks, in a fixed order. */
export interface TrackedNames {
  users: readonly string[];
  groups: readonly string[];
}

/** Every tracked account's id at one point of the change. */
export interface IdState {
  uids: Record<string, number>;
  gids: Record<string, number>;
}

/** The same text the guard script's awk prints for the host's passwd and group. */
export function stateKey(names: TrackedNames, s: IdState): string {
  return [...names.users.map((n) => `u.${n}=${s.uids[n] ?? ''},`), ...names.groups.map((n) => `g.${n}=${s.gids[n] ?? ''},`)].join('');
}

const GUARD_SCRIPT = [
  'passwd=$1 group=$2 users=$3 groups=$4 want=$5 freefile=$6 freeid=$7',
  'shift 7',
  'later=" "',
  'while [ "$#" -gt 0 ] && [ "$1" != -- ]; do later="$later$1 "; shift; done',
  'shift',
  `now=$(awk -F: -v users="$users" -v groups="$groups" 'FNR == NR { u[$1] = $3; next } { g[$1] = $3 } END { s = ""; n = split(users, un, " "); for (i = 1; i <= n; i++) s = s "u." un[i] "=" u[un[i]] ","; n = split(groups, gn, " "); for (i = 1; i <= n; i++) s = s "g." gn[i] "=" g[gn[i]] ","; print s }' "$passwd" "$group") || exit 3`,
  'if [ "$now" = "$want" ]; then',
  '  if [ "$freefile" != - ] && awk -F: -v id="$freeid" \'$3 == id { found = 1 } END { exit !found }\' "$freefile"; then echo "id $freeid already exists in $freefile" >&2; exit 4; fi',
  '  exec "$@"',
  'fi',
  'case "$later" in *" $now "*) echo "already done: the accounts read $now"; exit 0 ;; esac',
  'echo "not run: the accounts read $now, expected $want" >&2',
  'exit 3',
].join('\n');

export interface GuardedAt {
  root: string;
  names: TrackedNames;
  /** The state the command runs in. */
  want: IdState;
  /** States the change reaches after this command: found in one of them, the command was done. */
  later: readonly IdState[];
}

/** `free`: an id that must not be in that file when the command runs (the check groupmod -o leaves out). */
function guarded(at: GuardedAt, argv: readonly string[], free?: { file: string; id: number }): string[] {
  return [
    'sh',
    '-c',
    GUARD_SCRIPT,
    'sh',
    underRoot(at.root, '/etc/passwd'),
    underRoot(at.root, '/etc/group'),
    at.names.users.join(' '),
    at.names.groups.join(' '),
    stateKey(at.names, at.want),
    free?.file ?? '-',
    free ? String(free.id) : '-',
    ...at.later.map((s) => stateKey(at.names, s)),
    '--',
    ...argv,
  ];
}

/** usermod's exit code when it changed the uid but could not chown every file of the home directory (the chown pass retries and lists them). */
const USERMOD_HOME_NOT_CHOWNED = 12;

export function idModOp(host: string, kind: 'uid' | 'gid', move: IdMove, at: GuardedAt): ShellOperation {
  const tool = kind === 'uid' ? 'usermod' : 'groupmod';
  // groupmod --prefix of shadow 4.13 (Debian 12) checks the new gid against this machine's own
  // groups, not the prefix's: -o skips that check, and the guard script makes it on the prefix's
  // /etc/group instead. On a real host (no prefix) groupmod checks for itself.
  const prefixedGroup = kind === 'gid' && at.root !== '/';
  const argv = [tool, ...(at.root === '/' ? [] : ['--prefix', at.root]), ...(prefixedGroup ? ['-o'] : []), kind === 'uid' ? '-u' : '-g', String(move.to), move.name];
  const free = prefixedGroup ? { file: underRoot(at.root, '/etc/group'), id: move.to } : undefined;
  const what = kind === 'uid' ? `user ${move.name}` : `group ${move.name}`;
  return {
    kind: 'shell',
    host,
    argv: guarded(at, argv, free),
    mutating: true,
    summary: `${what}: ${kind} ${move.from} → ${move.to}${move.temporary ? ' (temporary, on its way to its target)' : ''} on ${host}`,
    target: { host },
    command: `${posixCommand(argv)}   # only while ${stateKey(at.names, at.want)}`,
    okExit: kind === 'uid' ? [0, USERMOD_HOME_NOT_CHOWNED] : [0],
    timeoutMs: 600_000,
  };
}

/**
 * One find over the covered paths that changes every file a source id of the round owns: owner and
 * group together where both move, owner or group alone otherwise, `-h` (the link, never its target),
 * batched (`+`), `-xdev` per path. The moves of a round share no id, so a file is matched once.
 */
export function chownRoundArgv(paths: readonly string[], uids: readonly IdMove[], gids: readonly IdMove[]): string[] {
  const clauses: string[][] = [];
  for (const u of uids) for (const g of gids) clauses.push(['-uid', String(u.from), '-gid', String(g.from), '-exec', 'chown', '-h', `${u.to}:${g.to}`, '{}', '+']);
  for (const u of uids) clauses.push(['-uid', String(u.from), '-exec', 'chown', '-h', String(u.to), '{}', '+']);
  for (const g of gids) clauses.push(['-gid', String(g.from), '-exec', 'chgrp', '-h', String(g.to), '{}', '+']);
  const expression = clauses.flatMap((c, i) => [...(i > 0 ? ['-o'] : []), '(', ...c, ')']);
  return ['find', ...paths, '-xdev', '(', ...expression, ')'];
}

export function chownRoundOp(host: string, paths: readonly string[], uids: readonly IdMove[], gids: readonly IdMove[], at: GuardedAt): ShellOperation {
  const argv = chownRoundArgv(paths, uids, gids);
  const moves = [...uids.map((m) => `uid ${m.from}→${m.to}`), ...gids.map((m) => `gid ${m.from}→${m.to}`)];
  return {
    kind: 'shell',
    host,
    argv: guarded(at, argv),
    mutating: true,
    summary: `chown/chgrp the files of ${moves.join(', ')} under ${paths.length} path(s) on ${host}`,
    target: { host },
    command: `${posixCommand(argv)}   # only while ${stateKey(at.names, at.want)}`,
    timeoutMs: 6 * 3_600_000,
    describeFailure: ({ stderr }) => describeChownFailures(stderr),
  };
}

export function serviceOp(host: string, verb: 'stop' | 'start', unit: string): ShellOperation {
  const argv = ['systemctl', verb, unit];
  return {
    kind: 'shell',
    host,
    argv,
    mutating: true,
    summary: `${verb} ${unit} on ${host}`,
    target: { host },
    command: posixCommand(argv),
    timeoutMs: 300_000,
    ...(verb === 'start' ? { always: true } : {}),
  };
}
