import { describe, expect, it } from 'vitest';
import { parseSessions, sessionMatchesVolume } from '../../runbooks/lib/iscsi-sessions.js';

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
  });

  it('matches legacy integer volume ids to their hex target names', () => {
    const [, nine, twelve] = parseSessions(GUIDE);
    expect(sessionMatchesVolume(nine, '20')).toBe(true);
    expect(sessionMatchesVolume(nine, '21')).toBe(false);
    expect(sessionMatchesVolume(twelve, '5b0f1c2e-8d3a-4f6b-9c1d-2e3f4a5b6c7d')).toBe(true);
  });
});
