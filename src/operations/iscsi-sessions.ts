// `iscsiadm -m session` output, e.g.
//   tcp: [9] 172.16.40.244:3260,1 iqn.2010-10.org.openstack:volume-00000014 (non-flash)
// and the operations that read it on a compute node. The session id and the target name are
// checked (invariant 10) before anything may use them, e.g. in `iscsiadm -m session -u -r N`.
import type { ShellOperation } from './types.js';
import { ValidationError, parseIqn, parseSessionId } from '../config/validate.js';
import { showValue } from '../config/show-value.js';

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
