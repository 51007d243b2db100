// The lab host's iscsiadm -P 3, multipath -l, blockdev and tee, run as they are (bash), read with
// novaops' own parsers: the lab answers in the real formats, refuses to delete a disk a live
// multipath map holds, never writes outside its host directory, and logs what it did in order.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceOpsLog, hostPaths } from '../../src/lab/index.js';
import { mapsHolding, parseMultipathMaps, parseSessionDetail } from '../../src/operations/iscsi.js';
import { parseSessionTree } from '../../src/operations/iscsi-sessions.js';
import { createTestLab, type TestLab } from '../support/lab.js';

const exec = promisify(execFile);
let lab: TestLab;
let bin: string;
const IQN_A = 'iqn.2010-10.org.openstack:volume-0a0a0a0a-aaaa-4bbb-8ccc-dddddddddddd';
const IQN_B = 'iqn.2010-10.org.openstack:volume-0b0b0b0b-aaaa-4bbb-8ccc-dddddddddddd';

async function tool(name: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = exec(path.join(bin, name), args);
  if (input !== undefined) child.child.stdin!.end(input);
  try {
    const r = await child;
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e: any) {
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  lab = await createTestLab({ hosts: 1 });
  const hp = hostPaths(lab.info.dir, 'compute1');
  bin = hp.bin;
  // Volume A through two portals (one map), volume B through one.
  await writeFile(
    hp.sessions,
    [`tcp: [1] 127.0.0.1:3260,1 ${IQN_A} (non-flash)`, `tcp: [2] 127.0.0.1:3260,1 ${IQN_B} (non-flash)`, `tcp: [28] 127.0.0.2:3260,1 ${IQN_A} (non-flash)`, ''].join('\n'),
  );
});
afterAll(async () => lab?.destroy());

describe("the lab host's SCSI devices", () => {
  it('-P 3 lists each session under its target with its disk; -r N that session only', async () => {
    const all = await tool('iscsiadm', ['-m', 'session', '-P', '3']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^iSCSI Transport Class version 2\.0-870\nversion /);
    expect(all.stdout).toContain('\t\tHost Number: 3\tState: running\n\t\tscsi3 Channel 00 Id 0 Lun: 0\n\t\tscsi3 Channel 00 Id 0 Lun: 1\n\t\t\tAttached scsi disk sdb\t\tState: running\n');
    const tree = parseSessionTree(all.stdout);
    expect(tree.map((s) => [s.sessionId, s.iqn, s.portal, s.luns.map((l) => l.disk)])).toEqual([
      [1, IQN_A, '127.0.0.1:3260', [null, 'sdb']],
      [28, IQN_A, '127.0.0.2:3260', [null, 'sdac']],
      [2, IQN_B, '127.0.0.1:3260', [null, 'sdc']],
    ]);
    expect(all.stdout.match(/^Target: /gm)).toHaveLength(2); // grouped by target, as iscsiadm does
    const one = await tool('iscsiadm', ['-m', 'session', '-r', '28', '-P', '3']);
    expect(parseSessionDetail(one.stdout, 28).disks).toEqual([{ name: 'sdac', state: 'running' }]);
    const p1 = await tool('iscsiadm', ['-m', 'session', '-P', '1']);
    expect(p1.stdout).not.toContain('Attached SCSI devices');
    expect(parseSessionTree(p1.stdout).map((s) => s.iface)).toEqual(['default', 'default', 'default']);
  });

  it('multipath -l: one map for the two-portal volume, in the format novaops parses', async () => {
    const r = await tool('multipath', ['-l']);
    expect(r.code).toBe(0);
    const maps = parseMultipathMaps(r.stdout);
    expect(maps.map((m) => [m.name, m.dm, m.paths])).toEqual([['mpatha', 'dm-1', ['sdb', 'sdac']]]);
    expect(r.stdout).toMatch(/^ {2}\|- 3:0:0:1 sdb 8:16 active undef running$/m);
    expect(mapsHolding(maps, ['sdc'])).toEqual([]);
  });

  it('refuses to delete a disk under a live map and to write anything but a device delete; flush -> delete -> logout', async () => {
    const busy = await tool('tee', ['/sys/block/sdb/device/delete'], '1\n');
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('multipath map mpatha still holds sdb');
    const elsewhere = await tool('tee', ['/etc/passwd'], 'x\n');
    expect(elsewhere.code).toBe(1);
    expect((await tool('blockdev', ['--flushbufs', '/dev/sdz'])).stderr).toContain('cannot open /dev/sdz');
    expect((await tool('multipath', ['-f', 'mpatha'])).code).toBe(0);
    expect((await tool('blockdev', ['--flushbufs', '/dev/sdb'])).code).toBe(0);
    expect((await tool('tee', ['/sys/block/sdb/device/delete'], '1\n')).code).toBe(0);
    expect(parseSessionDetail((await tool('iscsiadm', ['-m', 'session', '-r', '1', '-P', '3'])).stdout, 1).disks).toEqual([]);
    expect((await tool('iscsiadm', ['-m', 'session', '-r', '1', '-u'])).code).toBe(0);
    const log = await readFile(deviceOpsLog(hostPaths(lab.info.dir, 'compute1').iscsiDir), 'utf8');
    expect(log).toBe('multipath -f mpatha\nblockdev --flushbufs /dev/sdb\ndelete sdb\niscsiadm -m session -r 1 -u\n');
    expect((await tool('iscsiadm', ['-m', 'session', '-P', '3'])).stdout).not.toContain('SID: 1\n');
    // A map flushed already: multipath-tools' answer for a name that is no map, after its time stamp.
    const again = await tool('multipath', ['-f', 'mpatha']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^\d+\.\d{6} \| mpatha is not a multipath device\n$/);
  });
});
