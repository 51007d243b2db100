// iscsi-cleanup's parsers on real output lines, and the guide's diagnosis wrapper run by a real sh.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runArgv } from '../../src/effects/hosts/run-argv.js';
import { NO_ACTIVE_SESSIONS, listSessionsOp, parseSessionOutput, parseSessionTree } from '../../src/operations/iscsi-sessions.js';
import { diagnoseIscsiError, discoveryOp, loginOp, mapsHolding, parseMultipathMaps, parsePortal, parseSessionDetail, sessionDetailOp, sessionNotFound } from '../../src/operations/iscsi.js';
import { sessionBelongs } from '../../runbooks/iscsi-cleanup/match.js';

describe('iscsiadm -m session', () => {
  it('parses the guide lines, IPv6 portals, several portals of one target, other transports, and skips messages', () => {
    const out = [
      'tcp: [1] 172.16.40.244:3260,1 iqn.2010-10.org.openstack:volume-0000000e',
      'tcp: [9] 172.16.40.244:3260,1 iqn.2010-10.org.openstack:volume-00000014 (non-flash)',
      'tcp: [10] [2001:db8::10]:3260,1 iqn.2010-10.org.openstack:volume-3f0c2a51-8d7e-4c1b-9a2f-0123456789ab (non-flash)',
      'tcp: [11] [fe80::5054:ff:fe12:3456%eth1]:3260,1 iqn.2010-10.org.openstack:volume-3f0c2a51-8d7e-4c1b-9a2f-0123456789ab (non-flash)',
      'tcp: [12] 10.0.0.5:3260,2 iqn.2003-01.org.linux-iscsi.storage:sn.1234 (non-flash)',
      'tcp: [13] 10.0.1.5:3260,3 iqn.2003-01.org.linux-iscsi.storage:sn.1234 (non-flash)',
      'iser: [14] 10.0.2.5:3260,1 iqn.2010-10.org.openstack:volume-00000015 (non-flash)',
      'qla4xxx: [15] 10.0.3.5:3260,1 iqn.2010-10.org.openstack:volume-00000016 (flash)',
      'tcp: [x] 10.0.0.9:3260,1 iqn.2010-10.org.openstack:volume-1',
      'tcp: [16] 10.0.0.9:3260,1 not-an-iqn',
      'iscsiadm: No active sessions.',
      '',
    ].join('\n');
    const { sessions, rejected } = parseSessionOutput(out);
    expect(sessions.map((s) => s.sessionId)).toEqual([1, 9, 10, 11, 12, 13, 14, 15]);
    expect(sessions[2]).toMatchObject({ portal: '[2001:db8::10]:3260', tpgt: 1, volumeId: '3f0c2a51-8d7e-4c1b-9a2f-0123456789ab' });
    expect(sessions[3].portal).toBe('[fe80::5054:ff:fe12:3456%eth1]:3260');
    expect(sessions.filter((s) => s.iqn === 'iqn.2003-01.org.linux-iscsi.storage:sn.1234').map((s) => s.portal)).toEqual(['10.0.0.5:3260', '10.0.1.5:3260']);
    expect(sessions[6].transport).toBe('iser');
    expect(sessions[7].transport).toBe('qla4xxx');
    expect(rejected.map((r) => r.reason).join(' ')).toContain('not an iSCSI qualified name');
    // The line with [x] is not a session line at all: skipped.
    expect(rejected).toHaveLength(1);
    expect(parseSessionOutput('').sessions).toEqual([]);
    expect(parseSessionOutput('iscsiadm: No active sessions.\n').sessions).toEqual([]);
  });

  it('matches sessions to volumes: volume-<uuid>, volume-%08x, _name_id, provider_location', () => {
    const s = (iqn: string) => ({ iqn });
    expect(sessionBelongs(s('iqn.2010-10.org.openstack:volume-00000014'), { providerIqn: null, nameIds: ['20'] })).toBe(true);
    expect(sessionBelongs(s('iqn.2010-10.org.openstack:volume-00000014'), { providerIqn: null, nameIds: ['14'] })).toBe(false);
    const uuid = '3f0c2a51-8d7e-4c1b-9a2f-0123456789ab';
    expect(sessionBelongs(s(`iqn.2010-10.org.openstack:volume-${uuid}`), { providerIqn: null, nameIds: [uuid] })).toBe(true);
    expect(sessionBelongs(s(`iqn.2010-10.org.openstack:volume-${uuid}`), { providerIqn: null, nameIds: ['aaaaaaaa-8d7e-4c1b-9a2f-0123456789ab', uuid] })).toBe(true);
    expect(sessionBelongs(s('iqn.2003-01.org.linux-iscsi.storage:sn.1234'), { providerIqn: 'iqn.2003-01.org.linux-iscsi.storage:sn.1234', nameIds: [uuid] })).toBe(true);
    expect(sessionBelongs(s('iqn.2003-01.org.linux-iscsi.storage:sn.1234'), { providerIqn: null, nameIds: [uuid] })).toBe(false);
  });
});

const P3 = `iSCSI Transport Class version 2.0-870
version 2.1.8
Target: iqn.2010-10.org.openstack:volume-00000014 (non-flash)
\tCurrent Portal: 172.16.40.244:3260,1
\tPersistent Portal: 172.16.40.244:3260,1
\t\t**********
\t\tInterface:
\t\t**********
\t\tIface Name: default
\t\tIface Transport: tcp
\t\tIface Initiatorname: iqn.1993-08.org.debian:01:abcdef
\t\tiSCSI Connection State: TRANSPORT WAIT
\t\tiSCSI Session State: FREE
\t\tInternal iscsid Session State: REOPEN
\t\t************************
\t\tAttached SCSI devices:
\t\t************************
\t\tHost Number: 3\tState: running
\t\tscsi3 Channel 00 Id 0 Lun: 0
\t\tscsi3 Channel 00 Id 0 Lun: 1
\t\t\tAttached scsi disk sdb\t\tState: running
\t\tscsi3 Channel 00 Id 0 Lun: 2
\t\t\tAttached scsi disk sdc\t\tState: transport-offline
`;

const MULTIPATH = `mpatha (360014051f2d3c4b5a6978695a4b3c2d1) dm-0 LIO-ORG,volume-00000014
size=30G features='0' hwhandler='1 alua' wp=rw
|-+- policy='service-time 0' prio=50 status=active
| \`- 3:0:0:1 sdb 8:16 failed faulty running
\`-+- policy='service-time 0' prio=10 status=enabled
  \`- 4:0:0:1 sdd 8:48 active ready running
36001405aaaaaaaaaaaaaaaaaaaaaaaaa dm-1 LIO-ORG,other
size=1.0G features='0' hwhandler='1 alua' wp=rw
\`-+- policy='service-time 0' prio=50 status=active
  \`- 5:0:0:0 sde 8:64 active ready running
`;

describe('iscsiadm -m session -r N -P 3 and multipath -l', () => {
  it('finds the attached disks and the maps that hold them', () => {
    const d = parseSessionDetail(P3);
    expect(d.target).toBe('iqn.2010-10.org.openstack:volume-00000014');
    expect(d.disks).toEqual([
      { name: 'sdb', state: 'running' },
      { name: 'sdc', state: 'transport-offline' },
    ]);
    // The flat session line (no -P): no devices.
    expect(parseSessionDetail('tcp: [3] 127.0.0.1:3260,1 iqn.2010-10.org.openstack:volume-x (non-flash)\n').disks).toEqual([]);
    const maps = parseMultipathMaps(MULTIPATH);
    expect(maps.map((m) => [m.name, m.dm, m.paths])).toEqual([
      ['mpatha', 'dm-0', ['sdb', 'sdd']],
      ['36001405aaaaaaaaaaaaaaaaaaaaaaaaa', 'dm-1', ['sde']],
    ]);
    expect(mapsHolding(maps, ['sdb', 'sdc']).map((m) => m.name)).toEqual(['mpatha']);
  });

  it('-r N of a session that is gone: open-iscsi\'s own line for that session, nothing else', () => {
    // open-iscsi 2.0-873 and later (ISCSI_ERR_SYSFS_LOOKUP), and the lab's iscsiadm (exit 21).
    const real = 'iscsiadm: could not read session targetname: 5\niscsiadm: Could not get session info for sid 7\n';
    expect(sessionDetailOp('c1', 7).okExit).toEqual([0, 21, 22]);
    expect(sessionNotFound({ exitCode: 22, stderr: real }, 7)).toBe(true);
    expect(sessionNotFound({ exitCode: 21, stderr: 'iscsiadm: Could not get session info for sid 7\n' }, 7)).toBe(true);
    expect(sessionNotFound({ exitCode: 22, stderr: real }, 70)).toBe(false);
    expect(sessionNotFound({ exitCode: 21, stderr: 'iscsiadm: No active sessions.\n' }, 7)).toBe(false);
    expect(sessionNotFound({ exitCode: 22, stderr: 'iscsiadm: could not read session targetname: 5\n' }, 7)).toBe(false);
    expect(sessionNotFound({ exitCode: 1, stderr: real }, 7)).toBe(false);
  });
});

describe("the guide's three known errors", () => {
  const guide = {
    exists:
      "iscsiadm: Could not login to [iface: default, target: iqn.2010-10.org.openstack:volume-00000001, portal:10.192.12.34,3260]: openiscsiadm: initiator reported error (15 - already exists)",
    resolve: 'iscsiadm: Cannot resolve host ubuntu03c. getaddrinfo error: [Name or service not known]\n\niscsiadm: cannot resolve host name ubuntu03c\niscsiadm: Could not perform SendTargets discovery.',
    route: 'iscsiadm: cannot make connection to 172.29.200.37: No route to host\niscsiadm: cannot make connection to 172.29.200.37',
  };
  it('diagnoses each from its message, with its fix', () => {
    expect(diagnoseIscsiError(guide.exists)?.diagnosis).toContain('iscsi_ip_prefix');
    expect(diagnoseIscsiError('iscsiadm: default: 1 session requested, but 1 already present.')?.name).toBe('15 - already exists');
    expect(diagnoseIscsiError(guide.resolve)?.diagnosis).toContain('/etc/hosts');
    expect(diagnoseIscsiError(guide.route)?.diagnosis).toContain('telnet');
    expect(diagnoseIscsiError('iscsiadm: No records found')).toBeUndefined();
  });

  it('the discovery/login wrapper puts the diagnosis on the last stderr line (real sh, fake iscsiadm)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'novaops-iscsi-'));
    try {
      for (const [name, message, code] of [
        ['exists', guide.exists, 15],
        ['resolve', guide.resolve, 6],
        ['route', guide.route, 4],
      ] as const) {
        const bin = path.join(dir, name);
        await writeFile(path.join(dir, `${name}.txt`), message + '\n');
        await writeFile(path.join(bin), `#!/bin/sh\necho "args: $*"\ncat ${JSON.stringify(path.join(dir, `${name}.txt`))} >&2\nexit ${code}\n`);
        await chmod(bin, 0o755);
        const op = name === 'exists' ? loginOp('c1', 'iqn.2010-10.org.openstack:volume-00000001', '10.192.12.34') : discoveryOp('c1', '10.192.12.34');
        expect(op.argv[3]).toBe('iscsiadm');
        const argv = [...op.argv];
        argv[3] = bin; // "$0": the program the wrapper runs
        const r = await runArgv(argv, { timeoutMs: 10_000 });
        expect(r.exitCode).toBe(code);
        const last = r.stderr.trim().split('\n').pop()!;
        expect(last).toContain('guide diagnosis: ERROR');
        expect(last).toContain(diagnoseIscsiError(message)!.diagnosis);
        expect(r.stdout).toContain(name === 'exists' ? 'args: -m node --target-name iqn.2010-10.org.openstack:volume-00000001 -p 10.192.12.34 -l' : 'args: -m discovery -t st -p 10.192.12.34');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('portals: IPv4, IPv6, host names, with ports; nothing else', () => {
    for (const ok of ['10.0.0.1', '10.0.0.1:3260', '2001:db8::1', '[2001:db8::1]:3260', 'volumes.example.org', 'ubuntu03c:3260']) expect(parsePortal(ok, '--portal')).toBe(ok);
    for (const bad of ['', '10.0.0.1:99999', '-p', 'a b', '$(reboot)', '[zz]:1']) expect(() => parsePortal(bad, '--portal')).toThrow(/not an iSCSI portal/);
  });
});

// `iscsiadm -m session -P 1` of a host with two targets: the first through two portals (one IPv6)
// and a bound iface, the second twice through the same portal (iscsiadm then prints an empty line
// instead of repeating the portals). Shaped as open-iscsi 2.1 prints it (usr/session_info.c).
const P1 = `Target: iqn.2010-10.org.openstack:volume-3f0c2a51-8d7e-4c1b-9a2f-0123456789ab (non-flash)
\tCurrent Portal: [fd00::1]:3260,1
\tPersistent Portal: [fd00::1]:3260,1
\t\t**********
\t\tInterface:
\t\t**********
\t\tIface Name: iface-eth1
\t\tIface Transport: tcp
\t\tIface Initiatorname: iqn.1993-08.org.debian:01:compute1
\t\tIface IPaddress: [fd00::11]
\t\tIface HWaddress: <empty>
\t\tIface Netdev: eth1
\t\tSID: 4
\t\tiSCSI Connection State: TRANSPORT WAIT
\t\tiSCSI Session State: FAILED
\t\tInternal iscsid Session State: REOPEN
\tCurrent Portal: 10.0.0.5:3260,2
\tPersistent Portal: 10.0.0.5:3260,2
\t\t**********
\t\tInterface:
\t\t**********
\t\tIface Name: default
\t\tIface Transport: tcp
\t\tIface Initiatorname: iqn.1993-08.org.debian:01:compute1
\t\tIface IPaddress: 10.0.0.11
\t\tIface HWaddress: <empty>
\t\tIface Netdev: <empty>
\t\tSID: 5
\t\tiSCSI Connection State: LOGGED IN
\t\tiSCSI Session State: LOGGED_IN
\t\tInternal iscsid Session State: NO CHANGE
Target: iqn.2003-01.org.linux-iscsi.storage:sn.1234 (non-flash)
\tCurrent Portal: 10.0.0.6:3260,1
\tPersistent Portal: 10.0.0.6:3260,1
\t\t**********
\t\tInterface:
\t\t**********
\t\tIface Name: default
\t\tSID: 6
\t\tiSCSI Session State: LOGGED_IN

\t\t**********
\t\tInterface:
\t\t**********
\t\tIface Name: iface-eth2
\t\tSID: 7
\t\tiSCSI Session State: LOGGED_IN
`;

describe('iscsiadm -m session -P 1 / -P 3: the tree', () => {
  it('sessions with their target, portal (IPv6 too), tpgt, iface and state; a repeated portal is inherited', () => {
    expect(parseSessionTree(P1).map((s) => [s.sessionId, s.iqn.split(':')[1], s.portal, s.tpgt, s.iface, s.state])).toEqual([
      [4, 'volume-3f0c2a51-8d7e-4c1b-9a2f-0123456789ab', '[fd00::1]:3260', 1, 'iface-eth1', 'FAILED'],
      [5, 'volume-3f0c2a51-8d7e-4c1b-9a2f-0123456789ab', '10.0.0.5:3260', 2, 'default', 'LOGGED_IN'],
      [6, 'sn.1234', '10.0.0.6:3260', 1, 'default', 'LOGGED_IN'],
      [7, 'sn.1234', '10.0.0.6:3260', 1, 'iface-eth2', 'LOGGED_IN'],
    ]);
  });

  it('-P 3: LUNs with and without a disk, per session; -r N keeps that one session', () => {
    const two = `iSCSI Transport Class version 2.0-870
version 2.1.8
Target: iqn.2010-10.org.openstack:volume-00000014 (non-flash)
\tCurrent Portal: [fd00::1]:3260,1
\tPersistent Portal: [fd00::1]:3260,1
\t\tSID: 9
\t\t************************
\t\tAttached SCSI devices:
\t\t************************
\t\tHost Number: 11\tState: running
\t\tscsi11 Channel 00 Id 0 Lun: 0
\t\tscsi11 Channel 00 Id 0 Lun: 1
\t\t\tAttached scsi disk sdk\t\tState: transport-offline
\tCurrent Portal: 10.0.0.5:3260,1
\tPersistent Portal: 10.0.0.5:3260,1
\t\tSID: 10
\t\t************************
\t\tAttached SCSI devices:
\t\t************************
\t\tHost Number: 12\tState: running
\t\tscsi12 Channel 00 Id 0 Lun: 1
\t\t\tAttached scsi disk sdl\t\tState: running
`;
    const tree = parseSessionTree(two);
    expect(tree.map((s) => [s.sessionId, s.portal, s.hostNumber, s.luns])).toEqual([
      [9, '[fd00::1]:3260', 11, [{ lun: 0, disk: null, diskState: null }, { lun: 1, disk: 'sdk', diskState: 'transport-offline' }]],
      [10, '10.0.0.5:3260', 12, [{ lun: 1, disk: 'sdl', diskState: 'running' }]],
    ]);
    expect(parseSessionDetail(two, 10).disks).toEqual([{ name: 'sdl', state: 'running' }]);
    expect(parseSessionDetail(two).disks.map((d) => d.name)).toEqual(['sdk', 'sdl']);
    // Older open-iscsi prints no SID line: the answer to -r N is that session's.
    expect(parseSessionTree(P3)[0]).toMatchObject({ sessionId: null, portal: '172.16.40.244:3260' });
    expect(parseSessionDetail(P3, 3).disks.map((d) => d.name)).toEqual(['sdb', 'sdc']);
    // A disk name that is not sdX never reaches a delete.
    expect(parseSessionDetail(two.replace('sdl', 'sdl;reboot')).rejected).toEqual(["'sdl;reboot'"]);
  });

  it('"iscsiadm: No active sessions." with exit 21 is an answer: an empty list, not a failure', () => {
    expect(listSessionsOp('c1').okExit).toContain(NO_ACTIVE_SESSIONS);
    expect(sessionDetailOp('c1', 3).okExit).toContain(NO_ACTIVE_SESSIONS);
    expect(NO_ACTIVE_SESSIONS).toBe(21);
    expect(parseSessionTree('iscsiadm: No active sessions.\n')).toEqual([]);
    expect(parseSessionDetail('iscsiadm: No active sessions.\n').disks).toEqual([]);
  });
});
