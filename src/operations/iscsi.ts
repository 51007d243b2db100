// Builders for the iSCSI work of iscsi-cleanup on one compute node (DESIGN sections 5 and 8), and
// parsers of what the host answers. Pure: no I/O. Reading the session list itself is
// iscsi-sessions.ts's (listSessionsOp, parseSessionOutput).
//
// Order on the host, from section 8: flush the session's multipath map, delete its SCSI devices,
// then log out that one session (`iscsiadm -m session -r N -u`, invariant 9). Every id and name
// that reaches an argv is validated here first (invariant 10); argv are arrays, never strings.
import type { ShellOperation, Target } from './types.js';
import { posixCommand, posixQuote } from './posix-quote.js';
import { NO_ACTIVE_SESSIONS, parseSessionTree } from './iscsi-sessions.js';
import { ValidationError, isAddress, isIpv6, parseIqn, parseSessionId } from '../values/validate.js';
import { showValue } from '../values/show-value.js';

type ReadShell = ShellOperation & { mutating: false };

const SCSI_DISK = /^sd[a-z]{1,4}$/;
// multipath map names: user_friendly_names (mpatha), a WWID (3600140...), or an alias from multipath.conf.
const MAP_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/**
 * open-iscsi's exit when `-m session -r N` finds no session N in sysfs (ISCSI_ERR_SYSFS_LOOKUP,
 * since open-iscsi 2.0-873); the lab's iscsiadm answers 21 (NO_ACTIVE_SESSIONS) with the same line.
 */
export const SESSION_LOOKUP_FAILED = 22;

/**
 * Whether an answer to `iscsiadm -m session -r N ...` says that session N does not exist: exit 21
 * or 22 with open-iscsi's own line for it. Nothing else counts: any other failure is not proof
 * that the session is gone.
 */
export function sessionNotFound(answer: { exitCode?: number; stderr?: string }, sessionId: number): boolean {
  if (answer.exitCode !== NO_ACTIVE_SESSIONS && answer.exitCode !== SESSION_LOOKUP_FAILED) return false;
  return (answer.stderr ?? '').split('\n').some((line) => line.trim() === `iscsiadm: Could not get session info for sid ${sessionId}`);
}

/** `iscsiadm -m session -r N -P 3`: the session's target and its attached SCSI disks. */
export function sessionDetailOp(host: string, sessionId: number): ReadShell {
  const sid = String(parseSessionId(sessionId, 'session id'));
  const argv = ['iscsiadm', '-m', 'session', '-r', sid, '-P', '3'];
  return {
    kind: 'shell',
    host,
    argv,
    // A session that is gone is an answer (sessionNotFound tells it from other failures).
    okExit: [0, NO_ACTIVE_SESSIONS, SESSION_LOOKUP_FAILED],
    mutating: false,
    summary: `read iSCSI session [${sid}] on ${host} with its SCSI devices`,
    target: { host },
    command: posixCommand(argv),
    timeoutMs: 30_000,
  };
}

export interface SessionDetail {
  /** The `Target:` line, when the answer has one (the -P 3 form). */
  target?: string;
  /** `Attached scsi disk sdX  State: running`, in order. */
  disks: { name: string; state: string | null }[];
  /** Names that looked like disks but are not a plain sdX (left alone, shown). */
  rejected: string[];
}

/** The disks of the sessions in a -P 3 answer (of `-r N`: that one session's). */
export function parseSessionDetail(stdout: string, sessionId?: number): SessionDetail {
  const disks: SessionDetail['disks'] = [];
  const rejected: string[] = [];
  const sessions = parseSessionTree(stdout).filter((s) => sessionId === undefined || s.sessionId === sessionId || s.sessionId === null);
  for (const lun of sessions.flatMap((s) => s.luns)) {
    if (lun.disk === null) continue;
    if (!SCSI_DISK.test(lun.disk)) {
      rejected.push(showValue(lun.disk));
      continue;
    }
    if (!disks.some((x) => x.name === lun.disk)) disks.push({ name: lun.disk, state: lun.diskState });
  }
  return { target: sessions[0]?.iqn ?? /^Target: (\S+)/m.exec(stdout)?.[1], disks, rejected };
}

/**
 * `multipath -l`: which map holds which SCSI disks, from sysfs and the device mapper only. Not -ll:
 * that also runs the path checkers, whose I/O to a dead session's paths can block until the SCSI
 * timeouts. Exit 127 (not installed): multipath is not used.
 */
export function multipathListOp(host: string): ReadShell {
  const argv = ['multipath', '-l'];
  return {
    kind: 'shell',
    host,
    argv,
    okExit: [0, 1],
    mutating: false,
    summary: `list multipath maps on ${host}`,
    target: { host },
    command: posixCommand(argv),
    timeoutMs: 30_000,
  };
}

/** Exit codes of a shell that could not find the program: multipath-tools is not installed. */
export const COMMAND_NOT_FOUND = 127;

export interface MultipathMap {
  name: string;
  wwid?: string;
  dm?: string;
  paths: string[];
}

/**
 *   mpatha (36001405a1b2c3d4e5f6) dm-0 LIO-ORG,disk
 *   size=1.0G features='0' hwhandler='1 alua' wp=rw
 *   `-+- policy='service-time 0' prio=50 status=active
 *     |- 2:0:0:1 sdb 8:16 active ready running
 *     `- 3:0:0:1 sdc 8:32 active ready running
 */
export function parseMultipathMaps(stdout: string): MultipathMap[] {
  const maps: MultipathMap[] = [];
  let current: MultipathMap | undefined;
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const header = /^(\S+)(?: \(([^)\s]+)\))? (dm-\d+)\b/.exec(line);
    if (header && !/^[|`]/.test(line)) {
      current = { name: header[1], wwid: header[2], dm: header[3], paths: [] };
      maps.push(current);
      continue;
    }
    const path = /[|`]- +\d+:\d+:\d+:\d+ +(sd[a-z]+) /.exec(line);
    if (path && current) current.paths.push(path[1]);
  }
  return maps;
}

/** The maps that hold any of these disks. */
export function mapsHolding(maps: readonly MultipathMap[], disks: readonly string[]): MultipathMap[] {
  const wanted = new Set(disks);
  return maps.filter((m) => m.paths.some((p) => wanted.has(p)));
}

export function multipathFlushOp(host: string, map: string, target: Target): ShellOperation {
  if (!MAP_NAME.test(map)) throw new ValidationError(`multipath map ${showValue(map)} is not a map name novaops passes to multipath -f`);
  const argv = ['multipath', '-f', map];
  return { kind: 'shell', host, argv, mutating: true, summary: `flush multipath map ${map} on ${host}`, target: { host, ...target }, command: posixCommand(argv), timeoutMs: 120_000 };
}

/**
 * `blockdev --flushbufs /dev/sdX`, as os-brick does before a delete. On a dead session the flush
 * fails with an I/O error after the SCSI timeouts: that is expected (exit 1 is accepted, as os-brick
 * only logs it) and must not keep the device from being deleted.
 */
export function flushBuffersOp(host: string, disk: string, target: Target): ShellOperation {
  if (!SCSI_DISK.test(disk)) throw new ValidationError(`SCSI device ${showValue(disk)} is not a disk name (sdX)`);
  const argv = ['blockdev', '--flushbufs', `/dev/${disk}`];
  return {
    kind: 'shell',
    host,
    argv,
    okExit: [0, 1],
    mutating: true,
    summary: `flush the buffers of /dev/${disk} on ${host}`,
    target: { host, ...target },
    command: posixCommand(argv),
    timeoutMs: 300_000,
  };
}

// tee writes the 1 (a redirect would need the shell to open the file); the disk is "$1", never spliced in.
const DELETE_SCRIPT = 'echo 1 | tee "/sys/block/$1/device/delete" > /dev/null';

/** `echo 1 | tee /sys/block/sdX/device/delete`, with the device as an argument, never spliced into the script. */
export function deleteScsiDeviceOp(host: string, disk: string, target: Target): ShellOperation {
  if (!SCSI_DISK.test(disk)) throw new ValidationError(`SCSI device ${showValue(disk)} is not a disk name (sdX)`);
  const argv = ['sh', '-c', DELETE_SCRIPT, 'novaops-delete-scsi-device', disk];
  return {
    kind: 'shell',
    host,
    argv,
    mutating: true,
    summary: `delete SCSI device ${disk} on ${host}`,
    target: { host, ...target },
    command: `echo 1 | tee /sys/block/${disk}/device/delete`,
    timeoutMs: 60_000,
  };
}

/**
 * `iscsiadm -m session -r N -u`: exactly one session (invariant 9). The only logout novaops builds;
 * the session id is validated here and the engine's shell policy refuses any other form.
 */
export function logoutSessionOp(host: string, sessionId: number, target: Target): ShellOperation {
  const sid = String(parseSessionId(sessionId, 'session id'));
  const argv = ['iscsiadm', '-m', 'session', '-r', sid, '-u'];
  return {
    kind: 'shell',
    host,
    argv,
    mutating: true,
    summary: `log out iSCSI session [${sid}] on ${host}`,
    target: { host, ...target },
    command: posixCommand(argv),
    timeoutMs: 120_000,
  };
}

/** A portal as `-p` takes it: an address, optionally with :port ([v6]:port for IPv6). */
export function parsePortal(value: string, what: string): string {
  const v6 = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(value);
  const plain = /^([^:]+):(\d{1,5})$/.exec(value);
  const [addr, port] = v6 ? [v6[1], v6[2]] : plain ? [plain[1], plain[2]] : [value, undefined];
  const portOk = port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
  if (!isAddress(addr) || !portOk || (v6 && !isIpv6(addr)) || (!v6 && addr.includes(':') && !isAddress(value))) {
    throw new ValidationError(`${what}: ${showValue(value)} is not an iSCSI portal (an IP address or host name, optionally :port)`);
  }
  return value;
}

/** The guide's three known errors ("Troubleshoot your nova-volume installation"), each with its fix. */
export interface KnownIscsiError {
  name: string;
  /** Substrings of iscsiadm's message that identify it (case-sensitive, as iscsiadm prints them). */
  patterns: string[];
  diagnosis: string;
}

export const KNOWN_ISCSI_ERRORS: readonly KnownIscsiError[] = [
  {
    name: '15 - already exists',
    patterns: ['15 - already exists', 'already present'],
    diagnosis:
      'ERROR "15 - already exists": the compute node already has a session to this target (see iscsiadm -m session); ' +
      'the guide relates it to several routes to the iSCSI export (iscsiadm -m discovery -t st -p <volume server> lists more than one address for the volume): ' +
      'set iscsi_ip_prefix to the full IP of the volume server (e.g. iscsi_ip_prefix=192.168.2.1) and restart nova-compute and nova-volume; ' +
      'a stale session to the same target is freed first with novaops run iscsi-cleanup --session N',
  },
  {
    name: 'Cannot resolve host',
    patterns: ['Cannot resolve host', 'cannot resolve host'],
    diagnosis:
      'ERROR "Cannot resolve host": the compute node cannot resolve the volume server name; ' +
      'add a record for it in your DNS, or add it to /etc/hosts on the compute node, then retry',
  },
  {
    name: 'No route to host',
    patterns: ['No route to host'],
    diagnosis:
      'ERROR "No route to host": openiscsi cannot establish a connection with the volume server; ' +
      'from the compute node run telnet <volume server ip> 3260 (if it times out, check the server firewall, or ping it), ' +
      'tcpdump -nvv -i <iscsi interface> port 3260 and dst <volume server ip> for more, then retry iscsiadm -m discovery -t st -p <volume server ip>',
  },
];

/** The guide's diagnosis for an iscsiadm message, if it is one of the three. */
export function diagnoseIscsiError(text: string): KnownIscsiError | undefined {
  return KNOWN_ISCSI_ERRORS.find((e) => e.patterns.some((p) => text.includes(p)));
}

/**
 * The shell wrapper of discovery and login: runs iscsiadm ("$0" "$@", the arguments never spliced
 * into the script), prints its output, and on failure makes the last line of stderr one line the
 * failed item shows: the guide's diagnosis when the message is one of its three known errors, and
 * what iscsiadm said.
 */
function diagnosingScript(): string {
  const arms = KNOWN_ISCSI_ERRORS.map(
    (e) => `    ${e.patterns.map((p) => `*${posixQuote(p)}*`).join('|')}) d=${posixQuote(`guide diagnosis: ${e.diagnosis} — iscsiadm said: `)} ;;`,
  );
  return [
    'out=$("$0" "$@" 2>&1); rc=$?',
    '[ -n "$out" ] && printf \'%s\\n\' "$out"',
    'if [ "$rc" -ne 0 ]; then',
    '  case "$out" in',
    ...arms,
    "    *) d='iscsiadm said: ' ;;",
    '  esac',
    '  printf \'%s%s\\n\' "$d" "$(printf \'%s\' "$out" | tr \'\\n\' \' \')" >&2',
    'fi',
    'exit "$rc"',
  ].join('\n');
}

function diagnosingOp(host: string, iscsiadmArgs: string[], summary: string, target: Target): ShellOperation {
  const plain = ['iscsiadm', ...iscsiadmArgs];
  return {
    kind: 'shell',
    host,
    argv: ['sh', '-c', diagnosingScript(), ...plain],
    mutating: true,
    summary,
    target: { host, ...target },
    command: posixCommand(plain),
    timeoutMs: 120_000,
  };
}

/** `iscsiadm -m discovery -t st -p IP` (it records the targets found as node records: mutating). */
export function discoveryOp(host: string, portal: string, target: Target = {}): ShellOperation {
  const p = parsePortal(portal, '--portal');
  return diagnosingOp(host, ['-m', 'discovery', '-t', 'st', '-p', p], `discover the iSCSI targets of ${p} from ${host}`, target);
}

/** `iscsiadm -m node --target-name IQN -p IP -l`. */
export function loginOp(host: string, iqn: string, portal: string, target: Target = {}): ShellOperation {
  const t = parseIqn(iqn, '--target');
  const p = parsePortal(portal, '--portal');
  return diagnosingOp(host, ['-m', 'node', '--target-name', t, '-p', p, '-l'], `log in to ${t} at ${p} from ${host}`, target);
}

/** The id part of an OpenStack target name (`...:volume-<id>`), if any. */
export function iqnVolumePart(iqn: string): string | undefined {
  return /:volume-([0-9A-Za-z-]+)$/.exec(iqn)?.[1];
}

/** The IQN in a Cinder/nova-volume provider_location ("ip:port,tpgt iqn lun"), if any. */
export function providerLocationIqn(location: string | null | undefined): string | undefined {
  const candidate = location?.split(/\s+/).find((w) => w.startsWith('iqn.'));
  if (!candidate) return undefined;
  try {
    return parseIqn(candidate, 'provider_location');
  } catch {
    return undefined;
  }
}
