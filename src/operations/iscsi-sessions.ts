// `iscsiadm -m session` output, e.g.
//   tcp: [9] 172.16.40.244:3260,1 iqn.2010-10.org.openstack:volume-00000014 (non-flash)
// and the operations that read it on a compute node. The session id and the target name are
// checked (invariant 10) before anything may use them, e.g. in `iscsiadm -m session -u -r N`.
import type { ShellOperation } from './types.js';
import { ValidationError, isIqn, parseIqn, parseSessionId } from '../values/validate.js';
import { showValue } from '../values/show-value.js';

export interface IscsiSession {
  transport: string;
  sessionId: number;
  portal: string;
  tpgt: number;
  iqn: string;
  /** The volume id in an OpenStack target name (`...:volume-<id>`), if any. */
  volumeId?: string;
}

/** A line that looks like a session but whose session id or target name does not validate. */
export interface RejectedSessionLine {
  /** The line, cut for display (showValue). */
  line: string;
  reason: string;
}

const SESSION_LINE = /^(\w+): \[(\d+)\] (\S+),(\d+) (\S+)(?: \(.*\))?$/;

/** The sessions, skipping any other line (as before); lines that look like sessions but do not validate are left out. */
export function parseSessions(stdout: string): IscsiSession[] {
  return parseSessionOutput(stdout).sessions;
}

/**
 * The sessions, and the session-like lines left out because their session id or IQN is invalid,
 * so that a caller can report them. Lines that are not session lines at all (blank, headers,
 * messages) are skipped silently, as iscsiadm's output may contain them.
 */
export function parseSessionOutput(stdout: string): { sessions: IscsiSession[]; rejected: RejectedSessionLine[] } {
  const sessions: IscsiSession[] = [];
  const rejected: RejectedSessionLine[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    const m = SESSION_LINE.exec(line);
    if (!m) continue;
    let sessionId: number;
    let iqn: string;
    try {
      sessionId = parseSessionId(m[2], 'session id');
      iqn = parseIqn(m[5], 'target');
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      rejected.push({ line: showValue(line), reason: err.message });
      continue;
    }
    const volume = /:volume-([0-9A-Za-z-]+)$/.exec(iqn);
    sessions.push({
      transport: m[1],
      sessionId,
      portal: m[3],
      tpgt: Number(m[4]),
      iqn,
      volumeId: volume?.[1],
    });
  }
  return { sessions, rejected };
}

/** Exit 21 is iscsiadm's "No active sessions": an answer, not a failure. */
export const NO_ACTIVE_SESSIONS = 21;

export function listSessionsOp(host: string): ShellOperation & { mutating: false } {
  return {
    kind: 'shell',
    host,
    argv: ['iscsiadm', '-m', 'session'],
    okExit: [0, NO_ACTIVE_SESSIONS],
    mutating: false,
    summary: `list iSCSI sessions on ${host}`,
    target: { host },
    command: 'iscsiadm -m session',
    timeoutMs: 30_000,
  };
}

/** Whether a volume id from the DB matches the id in a target name (legacy ids are hex-padded). */
export function sessionMatchesVolume(session: IscsiSession, volumeId: string): boolean {
  if (!session.volumeId) return false;
  if (session.volumeId === volumeId) return true;
  return /^\d+$/.test(volumeId) && /^[0-9a-f]{8}$/i.test(session.volumeId) && parseInt(session.volumeId, 16) === Number(volumeId);
}

/** One session of `iscsiadm -m session -P 1` (or -P 2, -P 3): the tree form, grouped by target. */
export interface SessionTreeEntry {
  /** null when the answer has no `SID:` line (open-iscsi before 2.0-871): only asked with -r N, where it is that one session. */
  sessionId: number | null;
  iqn: string;
  /** `Current Portal:` without the tpgt, e.g. 10.0.0.5:3260 or [fd00::1]:3260. */
  portal: string;
  tpgt: number;
  /** `Iface Name:` (default, or the iface the session was made through). */
  iface: string | null;
  /** `iSCSI Session State:` (LOGGED_IN, FAILED, FREE, ...). */
  state: string | null;
  /** -P 3: `Host Number:`. */
  hostNumber: number | null;
  /** -P 3: every LUN, with its disk when one is attached. */
  luns: { lun: number; disk: string | null; diskState: string | null }[];
}

/**
 * The tree iscsiadm prints with -P 1..3 (open-iscsi usr/session_info.c): `Target: IQN (non-flash)`
 * once per target; `Current Portal: A:P,T` for a session, or an empty line when it has the portal
 * of the session before it; `SID: N` after the interface; with -P 3 the SCSI host, its LUNs and
 * `Attached scsi disk sdX  State: S`. Sessions whose id or target does not validate are left out.
 */
export function parseSessionTree(stdout: string): SessionTreeEntry[] {
  const out: SessionTreeEntry[] = [];
  let iqn: string | null = null;
  let portal: { portal: string; tpgt: number } | null = null;
  let iface: string | null = null;
  let current: SessionTreeEntry | null = null;
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^Target: (\S+)/.exec(line))) {
      iqn = m[1];
      portal = null;
      current = null;
    } else if ((m = /^Current Portal: (\S+),(\d+)$/.exec(line))) {
      portal = { portal: m[1], tpgt: Number(m[2]) };
      current = null;
    } else if ((m = /^Iface Name: (\S+)/.exec(line))) {
      iface = m[1];
      current = null;
    } else if ((m = /^SID: (\d+)$/.exec(line))) {
      current = null;
      let sessionId: number;
      let target: string;
      try {
        sessionId = parseSessionId(m[1], 'session id');
        target = parseIqn(iqn ?? '', 'target');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        continue;
      }
      current = { sessionId, iqn: target, portal: portal?.portal ?? '', tpgt: portal?.tpgt ?? 0, iface, state: null, hostNumber: null, luns: [] };
      out.push(current);
    } else if (!current && iqn !== null && /^(iSCSI Connection State|iSCSI Session State|Host Number|Attached SCSI devices):/.test(line)) {
      // An answer without SID lines: the session is the one of this target and portal.
      if (isIqn(iqn)) {
        current = { sessionId: null, iqn, portal: portal?.portal ?? '', tpgt: portal?.tpgt ?? 0, iface, state: null, hostNumber: null, luns: [] };
        out.push(current);
      }
    }
    if (current && (m = /^iSCSI Session State: (\S+)/.exec(line))) {
      current.state = m[1];
    } else if (current && (m = /^Host Number: (\d+)/.exec(line))) {
      current.hostNumber = Number(m[1]);
    } else if (current && (m = /^scsi\d+ Channel \d+ Id \d+ Lun: (\d+)$/.exec(line))) {
      current.luns.push({ lun: Number(m[1]), disk: null, diskState: null });
    } else if (current && (m = /^Attached scsi disk (\S+)(?:\s+State: (\S+))?/.exec(line))) {
      const lun = current.luns.at(-1);
      if (lun) {
        lun.disk = m[1];
        lun.diskState = m[2] ?? null;
      }
    }
  }
  return out;
}
