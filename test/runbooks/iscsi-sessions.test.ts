import { describe, expect, it } from 'vitest';
import { parseSessionOutput, parseSessions, sessionMatchesVolume } from '../../src/operations/iscsi-sessions.js';

// The guide's own sample output (seeds/003), plus the modern "(non-flash)" suffix.
const GUIDE = `tcp: [1] 172.16.40.244:3260,1 iqn.2010-10.org.openstack:volume-0000000e
tcp: [9] 172.16.40.244:3260,1 iqn.2010-10.org.openstack:volume-00000014
tcp: [12] 127.0.0.1:3260,1 iqn.2010-10.org.openstack:volume-5b0f1c2e-8d3a-4f6b-9c1d-2e3f4a5b6c7d (non-flash)
garbage line
`;

describe('iscsiadm -m session parsing', () => {
  it('reads session ids, portals and volume ids', () => {
    const sessions = parseSessions(GUIDE);
    expect(sessions.map((s) => [s.sessionId, s.portal, s.tpgt, s.volumeId])).toEqual([
      [1, '172.16.40.244:3260', 1, '0000000e'],
      [9, '172.16.40.244:3260', 1, '00000014'],
      [12, '127.0.0.1:3260', 1, '5b0f1c2e-8d3a-4f6b-9c1d-2e3f4a5b6c7d'],
    ]);
    // Lines that are not session lines are skipped silently, as before.
    expect(parseSessionOutput(GUIDE).rejected).toEqual([]);
  });

  it('real output of other targets and transports still parses', () => {
    const out = [
      'tcp: [3] [fe80::1]:3260,1 iqn.1992-08.com.netapp:sn.4b1c2d3e4f (non-flash)',
      'iser: [4] 10.0.0.7:3260,2 iqn.2000-05.com.3pardata:20210002ac01234',
      'tcp: [5] 10.0.0.8:3260,1 iqn.2004-04.com.qnap (flash)',
      '',
    ].join('\n');
    expect(parseSessions(out).map((s) => [s.transport, s.sessionId, s.iqn, s.volumeId])).toEqual([
      ['tcp', 3, 'iqn.1992-08.com.netapp:sn.4b1c2d3e4f', undefined],
      ['iser', 4, 'iqn.2000-05.com.3pardata:20210002ac01234', undefined],
      ['tcp', 5, 'iqn.2004-04.com.qnap', undefined],
    ]);
  });

  it('a session line with an invalid session id or IQN is left out and reported', () => {
    const out = [
      'tcp: [0] 10.0.0.1:3260,1 iqn.2010-10.org.openstack:volume-00000001',
      'tcp: [007] 10.0.0.1:3260,1 iqn.2010-10.org.openstack:volume-00000002',
      'tcp: [99999999999] 10.0.0.1:3260,1 iqn.2010-10.org.openstack:volume-00000003',
      'tcp: [2] 10.0.0.1:3260,1 iqn.2010-13.org.openstack:volume-00000004',
      `tcp: [3] 10.0.0.1:3260,1 iqn.2010-10.org.openstack:volume-${'x'.repeat(300)}`,
      'tcp: [4] 10.0.0.1:3260,1 iqn.2010-10.org.openstack:volume-00000005',
    ].join('\n');
    const { sessions, rejected } = parseSessionOutput(out);
    expect(sessions.map((s) => [s.sessionId, s.volumeId])).toEqual([[4, '00000005']]);
    expect(rejected.map((r) => r.reason)).toEqual([
      "session id: '0' is not an iSCSI session id (a positive integer)",
      "session id: '007' is not an iSCSI session id (a positive integer)",
      "session id: '99999999999' is not an iSCSI session id (a positive integer)",
      "target: 'iqn.2010-13.org.openstack:volume-00000004' is not an iSCSI qualified name (iqn.YYYY-MM.reversed.domain[:id])",
      expect.stringMatching(/^target: 'iqn\.2010-10\.org\.openstack:volume-x+…' \(333 characters\) is not an iSCSI qualified name/),
    ]);
    for (const r of rejected) expect(r.line.length).toBeLessThan(150);
    expect(parseSessions(out)).toEqual(sessions);
  });

  it('matches legacy integer volume ids to their hex target names', () => {
    const [, nine, twelve] = parseSessions(GUIDE);
    expect(sessionMatchesVolume(nine, '20')).toBe(true);
    expect(sessionMatchesVolume(nine, '21')).toBe(false);
    expect(sessionMatchesVolume(twelve, '5b0f1c2e-8d3a-4f6b-9c1d-2e3f4a5b6c7d')).toBe(true);
  });
});
