// uid-gid on the lab through the real CLI, as root, on real files: the chain host (compute1) and
// the swap host (compute2) made identical with the guide's targets, links never followed, hard
// links, files chown cannot change (listed, services started anyway, finished by resume), dry-run,
// --test-host, the free-id guard and bad input.
import { appendFileSync, lstatSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { readEvents, runIds, transcriptOf } from '../support/transcript-watch.js';
import { applyScenario, releaseImmutable, hostPaths } from '../../src/lab/index.js';
import { entries, expectTargets, machineAccounts, serviceLog, serviceState, TARGET_ARGS, treeHash, wrongOwners } from './support.js';

let lab: TestLab;
const HOSTS = ['compute1', 'compute2'];
const root = (host: string) => hostPaths(lab.info.dir, host).root;
const hashes = () => HOSTS.map((h) => treeHash(root(h)));

beforeAll(async () => {
  lab = await createTestLab({ hosts: 2 });
});
afterAll(async () => {
  if (lab) releaseImmutable(lab.info.dir);
  await lab?.destroy();
});

const scenario = (files: number, immutable = 0) => applyScenario(lab.info, 'uid-mismatch', { files, immutable, seed: 5 });

describe('uid-gid, live, 10,000 files per host: a chain (compute1) and a swap (compute2)', () => {
  it('moves every file of every old id to its account\'s new id, links and their targets as they must be', async () => {
    const s = await scenario(10_000);
    const before = new Map(HOSTS.map((h) => [h, entries(root(h))]));
    const machine = machineAccounts();
    const r = await runCli(['run', 'uid-gid', '--hosts', HOSTS.join(','), ...TARGET_ARGS, '--yes'], lab.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);

    for (const host of HOSTS) {
      const h = s.hosts.find((x) => x.host === host)!;
      expect(h.owned.nova + h.owned.qemu + h.owned.libvirtd).toBeGreaterThanOrEqual(9_500);
      expect(wrongOwners(lab.info.dir, s, host, before.get(host)!)).toEqual([]);
      expectTargets(lab.info.dir, host);
      // Links: the link itself changed, its target outside the host root kept its (old) owner.
      expect(h.symlinks.length).toBeGreaterThanOrEqual(10);
      for (const { link, target } of h.symlinks) {
        expect(lstatSync(link).uid).toBe(112);
        expect(lstatSync(target).uid, target).toBe(h.ids.novaUid);
        expect(lstatSync(target).gid, target).toBe(h.ids.novaGid);
      }
      for (const [a, b] of h.hardLinks) {
        expect(lstatSync(a).ino).toBe(lstatSync(b).ino);
        expect(lstatSync(b).uid).toBe(112);
      }
      expect(serviceLog(lab.info.dir, host)).toEqual(['stop nova-compute', 'stop libvirtd', 'start libvirtd', 'start nova-compute']);
    }
    // The swap went through a temporary id and the chain back to front: read back with zero files left.
    const events = await readEvents(transcriptOf(lab.stateDir, (await runIds(lab.stateDir)).pop()!));
    const planned = events.flatMap((e) => (e.type === 'op.planned' ? [`${e.item} ${e.op.summary}`] : []));
    // The swap parks the account with fewer files: libvirt-qemu (not nova), libvirtd (not group nova).
    expect(planned.filter((p) => p.includes('temporary'))).toEqual([
      expect.stringMatching(/^ids:compute2 user libvirt-qemu: uid 112 → \d+ \(temporary/),
      expect.stringMatching(/^ids:compute2 group libvirtd: gid 120 → \d+ \(temporary/),
    ]);
    // compute1's chain back to front: libvirt-qemu leaves 112 before nova takes it.
    const c1 = planned.filter((p) => p.startsWith('ids:compute1 user'));
    expect(c1).toEqual([expect.stringContaining('user libvirt-qemu: uid 112 → 119'), expect.stringContaining('user nova: uid 108 → 112')]);
    expect(r.stdout).toMatch(/verified: compute1: 0 file\(s\) owned by old or temporary uids \(108\), 0 file\(s\) owned by old or temporary gids \(114\)/);
    expect(r.stdout).toMatch(/compute2: 0 file\(s\) owned by old or temporary uids \(\d+\), 0 file\(s\) owned by old or temporary gids \(\d+\)/);
    expect(machineAccounts()).toBe(machine);
  });
});

describe('uid-gid when chown cannot change some files', () => {
  it('lists them, fails the item after starting the services again, and a resume finishes', async () => {
    const s = await scenario(400, 3);
    const before = new Map(HOSTS.map((h) => [h, entries(root(h))]));
    const r = await runCli(['run', 'uid-gid', '--hosts', HOSTS.join(','), ...TARGET_ARGS, '--yes'], lab.env);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    for (const h of s.hosts) {
      expect(r.stdout).toContain(`could not change the owner of 3 file(s)`);
      for (const locked of h.immutable) expect(r.stdout).toContain(`${locked} (Operation not permitted)`);
      // Started again although the item failed (invariant 13), and said so.
      expect(serviceLog(lab.info.dir, h.host)).toEqual(['stop nova-compute', 'stop libvirtd', 'start libvirtd', 'start nova-compute']);
      expect(serviceState(lab.info.dir, h.host, 'nova-compute')).toBe('active');
      expect(serviceState(lab.info.dir, h.host, 'libvirtd')).toBe('active');
      expect(r.stdout).toContain(`ids:${h.host}: running "start libvirtd on ${h.host}" although the item failed`);
    }
    const runId = (await runIds(lab.stateDir)).pop()!;
    const planned = (await readEvents(transcriptOf(lab.stateDir, runId))).filter((e) => e.type === 'op.planned') as { op: { summary: string; always?: boolean } }[];
    expect(planned.filter((e) => e.op.summary.startsWith('start ')).every((e) => e.op.always === true)).toBe(true);

    // Once the files can be changed, the resumed run finishes: the item starts over, what was done is skipped.
    releaseImmutable(lab.info.dir);
    const resumed = await runCli(['resume', '--yes'], lab.env);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    const resumedEvents = await readEvents(transcriptOf(lab.stateDir, runId));
    expect(resumedEvents.some((e) => e.type === 'op.output' && e.chunk.startsWith('already done: the accounts read'))).toBe(true);
    for (const host of HOSTS) {
      expect(wrongOwners(lab.info.dir, s, host, before.get(host)!)).toEqual([]);
      expectTargets(lab.info.dir, host);
      expect(serviceState(lab.info.dir, host, 'nova-compute')).toBe('active');
    }
  });
});

describe('uid-gid --dry-run', () => {
  it('reads, shows each exact command, and changes nothing: trees with owners, passwd, group, services', async () => {
    await scenario(2_000);
    const before = hashes();
    const r = await runCli(['run', 'uid-gid', '--hosts', HOSTS.join(','), ...TARGET_ARGS, '--dry-run'], lab.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`usermod --prefix ${root('compute1')} -u 119 libvirt-qemu`);
    expect(r.stdout).toContain(`groupmod --prefix ${root('compute2')} -o -g`);
    expect(r.stdout).toMatch(/find \S+compute1\/var\/lib\/nova \S+compute1\/etc\/nova .* -xdev .*-uid 108 -gid 114 -exec chown -h 112:120/);
    expect(r.stdout).toContain('systemctl stop nova-compute');
    expect(r.stdout.split('\n').filter((l) => l.trim()).every((l) => l.startsWith('[DRY-RUN]'))).toBe(true);
    expect(hashes()).toEqual(before);
    for (const h of HOSTS) expect(serviceLog(lab.info.dir, h)).toEqual([]);

    // --path, given twice, replaces the default paths.
    const narrow = await runCli(['run', 'uid-gid', '--hosts', 'compute1', ...TARGET_ARGS, '--path', '/var/lib/nova', '--path', '/etc/nova', '--dry-run'], lab.env);
    expect(narrow.code, narrow.stdout + narrow.stderr).toBe(0);
    const c1 = root('compute1');
    expect(narrow.stdout).toContain(`find ${c1}/var/lib/nova ${c1}/etc/nova -xdev '('`);
    expect(narrow.stdout).not.toContain(`${c1}/var/lib/libvirt`);
    expect(hashes()).toEqual(before);
  });

  it('without target ids, proposes the smallest ids free on every host and plans with them', async () => {
    await scenario(200);
    const before = hashes();
    const r = await runCli(['run', 'uid-gid', '--hosts', HOSTS.join(','), '--dry-run'], lab.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // uids 100-102 are messagebus, sshd and libvirt-dnsmasq: 103 is the first nobody holds and owns no file;
    // libvirt-qemu and libvirtd already agree on both hosts and keep their ids.
    expect(r.stdout).toContain(
      'targets: user nova uid 103 (proposed: free on every host), user libvirt-qemu uid 112 (proposed: it has it on every host already), group nova gid 100 (proposed: free on every host), group libvirtd gid 120 (proposed: it has it on every host already)',
    );
    expect(r.stdout).toContain('to choose them yourself: --nova-uid 103 --qemu-uid 112 --nova-gid 100 --libvirtd-gid 120');
    expect(r.stdout).toContain(`usermod --prefix ${root('compute1')} -u 103 nova`);
    expect(hashes()).toEqual(before);
  });
});

describe('uid-gid --test-host', () => {
  it('changes that host only', async () => {
    await scenario(1_000);
    const [other] = hashes();
    const r = await runCli(['run', 'uid-gid', '--hosts', HOSTS.join(','), ...TARGET_ARGS, '--test-host', 'compute2', '--yes'], lab.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('test mode: only compute2 is changed; compute1 left as they are');
    expect(treeHash(root('compute1'))).toBe(other);
    expect(serviceLog(lab.info.dir, 'compute1')).toEqual([]);
    expectTargets(lab.info.dir, 'compute2');
  });
});

describe('uid-gid guard: each target id free on every host', () => {
  it('a target uid held by another user on one host blocks the run (exit 3), naming host and user; nothing changed', async () => {
    await scenario(300);
    appendFileSync(hostPaths(lab.info.dir, 'compute2').passwd, 'ceph:x:119:64045:Ceph storage service:/var/lib/ceph:/usr/sbin/nologin\n');
    const before = hashes();
    const r = await runCli(['run', 'uid-gid', '--hosts', HOSTS.join(','), ...TARGET_ARGS, '--yes'], lab.env);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout + r.stderr).toContain('uid 119 (for user libvirt-qemu) is held on compute2 by user ceph');
    expect(hashes()).toEqual(before);
    for (const h of HOSTS) expect(serviceLog(lab.info.dir, h)).toEqual([]);
  });
});

describe('uid-gid bad input', () => {
  it('exits 2 naming the problem, and changes nothing', async () => {
    await scenario(100);
    const before = hashes();
    const hosts = ['--hosts', HOSTS.join(',')];
    const cases: [string[], RegExp][] = [
      [[...TARGET_ARGS], /--hosts.*which compute hosts\?/],
      [['--hosts', 'compute1,compute9', ...TARGET_ARGS], /unknown host compute9; the config knows: compute1, compute2/],
      [['--hosts', 'compute1,bad_host!', ...TARGET_ARGS], /--hosts.*not a valid host name/],
      [[...hosts, '--nova-uid', 'abc'], /--nova-uid.*'abc' is not a number/],
      [[...hosts, '--nova-uid', '0'], /--nova-uid: 0 is root's uid/],
      [[...hosts, '--libvirtd-gid', '70000'], /--libvirtd-gid: 70000 is above 65533/],
      [[...hosts, '--nova-uid', '112', '--qemu-uid', '112'], /--nova-uid and --qemu-uid are both 112/],
      [[...hosts, '--nova-gid', '130', '--libvirtd-gid', '130'], /--nova-gid and --libvirtd-gid are both 130/],
      [[...hosts, ...TARGET_ARGS, '--path', 'var/lib/nova'], /--path.*not an absolute path/],
      [[...hosts, ...TARGET_ARGS, '--path', '/'], /--path.*would cover the whole host/],
      [[...hosts, ...TARGET_ARGS, '--test-host', 'compute3'], /--test-host: compute3 is not one of --hosts/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['run', 'uid-gid', ...args, '--yes'], lab.env);
      expect(r.code, `${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stdout + r.stderr, args.join(' ')).toMatch(message);
    }
    expect(hashes()).toEqual(before);
  });
});
