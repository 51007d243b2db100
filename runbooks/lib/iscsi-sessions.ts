// `iscsiadm -m session` output, e.g.
//   tcp: [9] 172.16.40.244:3260,1 iqn.2010-10.org.openstack:volume-00000014 (non-flash)
// and the operations that read it on a compute node.
import type { ShellOperation } from '../../src/engine/operations.js';

export interface IscsiSession {
  transport: string;
  sessionId: number;
  portal: string;
  tpgt: number;
  iqn: string;
  /** The volume id in an OpenStack target name (`...:volume-<id>`), if any. */
  volumeId?: string;
}

const SESSION_LINE = /^(\w+): \[(\d+)\] (\S+),(\d+) (\S+)(?: \(.*\))?$/;

export function parseSessions(stdout: string): IscsiSession[] {
  const sessions: IscsiSession[] = [];
  for (const line of stdout.split('\n')) {
    const m = SESSION_LINE.exec(line.trim());
    if (!m) continue;
    const iqn = m[5];
    const volume = /:volume-([0-9A-Za-z-]+)$/.exec(iqn);
    sessions.push({
      transport: m[1],
      sessionId: Number(m[2]),
      portal: m[3],
      tpgt: Number(m[4]),
      iqn,
      volumeId: volume?.[1],
    });
  }
  return sessions;
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
