// The pure parts the uid-gid runbook reads with: /etc/passwd and /etc/group, the owner scan,
// chown's complaints, and the find command line of a round of moves.
import { describe, expect, it } from 'vitest';
import { holdersOf, idOf, parseAccounts } from '../../src/operations/accounts.js';
import { describeChownFailures, parseChownFailures } from '../../src/operations/chown-failures.js';
import { chownRoundArgv, stateKey } from '../../src/operations/id-change-ops.js';
import { filesOwnedBy, parseOwnerScan, underRoot } from '../../src/operations/owner-scan.js';

describe('parseAccounts', () => {
  it('reads name and id, reports what it cannot read', () => {
    const a = parseAccounts('root:x:0:0:root:/root:/bin/bash\n# comment\n\nnova:x:112:120::/var/lib/nova:/bin/sh\n+@netgroup\nbroken:x:abc:1\nceph:x:112:112::/:/bin/false\n');
    expect(idOf(a, 'nova')).toBe(112);
    expect(idOf(a, 'libvirt-qemu')).toBeUndefined();
    expect(holdersOf(a, 112)).toEqual(['nova', 'ceph']);
    expect(a.rejected).toEqual(['+@netgroup', 'broken:x:abc:1']);
  });
});

describe('chown failures', () => {
  const stderr = [
    "chown: changing ownership of '/lab/h/etc/nova/locked0.conf': Operation not permitted",
    "chgrp: changing group of '/lab/h/etc/nova/it'\\''s.conf': Operation not permitted",
    "chown: cannot access '/lab/h/var/lib/nova/gone': No such file or directory",
    'chown: changing ownership of ‘/lab/h/var/log/nova/utf8.log’: Read-only file system',
    'something else entirely',
  ].join('\n');
  it('lists each file with its reason, unquoting what coreutils quoted', () => {
    expect(parseChownFailures(stderr)).toEqual([
      { path: '/lab/h/etc/nova/locked0.conf', reason: 'Operation not permitted' },
      { path: "/lab/h/etc/nova/it's.conf", reason: 'Operation not permitted' },
      { path: '/lab/h/var/lib/nova/gone', reason: 'No such file or directory' },
      { path: '/lab/h/var/log/nova/utf8.log', reason: 'Read-only file system' },
    ]);
    expect(describeChownFailures(stderr)).toMatch(/^could not change the owner of 4 file\(s\): \/lab\/h\/etc\/nova\/locked0.conf \(Operation not permitted\)/);
    expect(describeChownFailures('')).toBeUndefined();
  });
});

describe('owner scan', () => {
  it('reads covered, missing and linked paths and the counts per uid and gid', () => {
    const scan = parseOwnerScan('covered /r/var/lib/nova\nmissing /r/etc/libvirt\nsymlink /r/var/log/nova\nowners 108 114 600\nowners 112 108 250\nowners 0 120 100\n');
    expect(scan.covered).toEqual(['/r/var/lib/nova']);
    expect(scan.missing).toEqual(['/r/etc/libvirt']);
    expect(scan.symlinks).toEqual(['/r/var/log/nova']);
    expect(filesOwnedBy(scan, 'uid', 108)).toBe(600);
    expect(filesOwnedBy(scan, 'gid', 108)).toBe(250);
    expect(filesOwnedBy(scan, 'gid', 120)).toBe(100);
    expect(underRoot('/', '/var/lib/nova')).toBe('/var/lib/nova');
    expect(underRoot('/lab/hosts/c1', '/var/lib/nova')).toBe('/lab/hosts/c1/var/lib/nova');
  });
});

describe('a round of moves as one find', () => {
  it('changes owner and group together where both move, never follows links, stays on each file system', () => {
    const argv = chownRoundArgv(['/a', '/b'], [{ name: 'nova', from: 108, to: 112 }], [{ name: 'nova', from: 114, to: 120 }]);
    expect(argv.join(' ')).toBe(
      'find /a /b -xdev ( ( -uid 108 -gid 114 -exec chown -h 112:120 {} + ) -o ( -uid 108 -exec chown -h 112 {} + ) -o ( -gid 114 -exec chgrp -h 120 {} + ) )',
    );
    expect(argv).not.toContain('-L');
    expect(argv).not.toContain('-H');
  });
  it('states read the same way the host-side awk prints them', () => {
    expect(stateKey({ users: ['nova', 'libvirt-qemu'], groups: ['nova', 'libvirtd'] }, { uids: { nova: 108, 'libvirt-qemu': 112 }, gids: { nova: 114, libvirtd: 120 } })).toBe(
      'u.nova=108,u.libvirt-qemu=112,g.nova=114,g.libvirtd=120,',
    );
  });
});
