// iscsi-cleanup through real OpenSSH: a lab compute host configured `via: ssh` to an sshd on its
// loopback address that executes commands with the host's bin first on PATH (its iscsiadm and
// device stubs). The run frees the session as `via: local` does, over one connection; with a
// known_hosts whose key for the host is wrong, it is refused before anything changed.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ScenarioSummary, deviceOpsLog, hostPaths, hostAddress, volumeIqn, writeSessionTable } from '../../src/lab/index.js';
import { runCli } from '../support/cli.js';
import { checksums } from '../support/db-snapshot.js';
import { writeLabConfigVariant } from '../support/lab-config.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { sshdAvailable, sshdSkipReason, startSshd, type TestSshd } from '../support/sshd.js';

let lab: TestLab;
let sshd: TestSshd;
let scenario: ScenarioSummary;
let host: string;
let address: string;
let keysDir: string;
let volumes: string[];
const sids = new Map<string, number>();

const sessionsFile = () => readFile(hostPaths(lab.info.dir, host).sessions, 'utf8');
const opsLog = () => readFile(deviceOpsLog(hostPaths(lab.info.dir, host).iscsiDir), 'utf8').catch(() => '');

/** A config whose `host` is reached over ssh, checked against a known_hosts holding `content`. */
async function sshConfig(name: string, content: string): Promise<{ env: Record<string, string>; knownHosts: string }> {
  const knownHosts = path.join(await mkdtemp(path.join(keysDir, `${name}-`)), 'known_hosts');
  await writeFile(knownHosts, content, { mode: 0o600 });
  const config = await writeLabConfigVariant(lab, `${name}.yaml`, (doc) => {
    doc.hosts[host] = { via: 'ssh', address, port: sshd.port, user: sshd.user, identity_file: sshd.identityFile, known_hosts_file: knownHosts };
  });
  return { env: { ...lab.env, NOVAOPS_CONFIG: config }, knownHosts };
}

describe.skipIf(!sshdAvailable)(`iscsi-cleanup over ssh ${sshdSkipReason}`.trim(), () => {
  beforeAll(async () => {
    lab = await createTestLab({ hosts: 2 });
    scenario = await lab.scenario('power-loss', { instances: 8, volumes: 12, seed: 7, liveSession: true });
    host = scenario.liveSessionVolume!.host;
    address = hostAddress(host);
    expect(address).toMatch(/^127\./); // loopback: no packet leaves the machine
    volumes = [...new Set(scenario.attached.filter((a) => a.host === host && !scenario.multiattach?.attachments.some((m) => m.volume === a.volume)).map((a) => a.volume))];
    expect(volumes.length).toBeGreaterThanOrEqual(2);
    const ids = await writeSessionTable(lab.info.dir, host, volumes.map((v) => volumeIqn(`volume-${v}`)), 3);
    volumes.forEach((v, i) => sids.set(v, ids[i]));
    sshd = await startSshd({ listen: [address], execute: { pathPrepend: [hostPaths(lab.info.dir, host).bin] } });
    keysDir = await mkdtemp(path.join(os.tmpdir(), 'novaops-iscsi-ssh-'));
  });
  afterAll(async () => {
    await sshd?.stop();
    await lab?.destroy();
    if (keysDir) await rm(keysDir, { recursive: true, force: true });
  });

  // A host that does not answer (here: its key does not match) is no typo of the operator's: the
  // run is refused (exit 3) as a failed precondition, before anything changed.
  test('a host key that does not match: refused before anything changed (exit 3), known_hosts byte-equal', async () => {
    const { env, knownHosts } = await sshConfig('wrong-key', sshd.knownHostsLine(address, sshd.otherPublicKey));
    const before = { db: await checksums(lab), sessions: await sessionsFile(), known: await readFile(knownHosts), ops: await opsLog() };
    const r = await runCli(['run', 'iscsi-cleanup', '--host', host, '--volume', volumes[0], '--yes'], env);
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(3);
    expect(out).toContain(`could not list the iSCSI sessions on ${host}`);
    expect(out).toMatch(new RegExp(`ssh to ${sshd.user}@${address.replace(/\./g, '\\.')}:${sshd.port}: host key mismatch \\(Offending ED25519 key in .*known_hosts:1\\); the key .* offers is not the one`));
    expect(await checksums(lab)).toEqual(before.db);
    expect(await sessionsFile()).toBe(before.sessions);
    expect(await opsLog()).toBe(before.ops);
    expect((await readFile(knownHosts)).equals(before.known)).toBe(true);
  });

  test('an unknown host key: refused the same way; the host key is not learnt', async () => {
    const { env, knownHosts } = await sshConfig('empty', '');
    const sessions = await sessionsFile();
    const r = await runCli(['run', 'iscsi-cleanup', '--host', host, '--volume', volumes[0], '--yes'], env);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout + r.stderr).toMatch(/unknown host key \(No ED25519 host key is known for .*\); .*novaops never adds keys itself/);
    expect(await sessionsFile()).toBe(sessions);
    expect(await readFile(knownHosts, 'utf8')).toBe('');
  });

  test('bad input over ssh: unknown host, no such session, malformed IQN or session id — exit 2, nothing changed', async () => {
    const { env } = await sshConfig('bad-input', sshd.knownHostsLine(address));
    const before = { db: await checksums(lab), sessions: await sessionsFile(), ops: await opsLog() };
    const sid = String(sids.get(volumes[0]));
    const cases: [string[], RegExp][] = [
      [['--host', 'compute9', '--volume', volumes[0]], /unknown host 'compute9'/],
      [['--host', host, '--session', '999'], /no iSCSI session \[999\] on compute\d/],
      [['--host', host, '--session', '-1'], /--session.*not an iSCSI session id/],
      [['--host', host, '--session', sid, '--reconnect', '--portal', '127.0.0.1', '--target', 'iqn.2010-13.org.openstack:volume-1'], /--target.*not an iSCSI qualified name/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['run', 'iscsi-cleanup', ...args, '--yes'], env);
      expect(r.code, `${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stdout + r.stderr, args.join(' ')).toMatch(message);
    }
    expect(await checksums(lab)).toEqual(before.db);
    expect(await sessionsFile()).toBe(before.sessions);
    expect(await opsLog()).toBe(before.ops);
  });

  test('with the right key: flush, delete and logout of that one session over one ssh connection; the DB reset', async () => {
    const { env, knownHosts } = await sshConfig('right-key', sshd.knownHostsLine(address));
    const known = await readFile(knownHosts);
    const sid = sids.get(volumes[0])!;
    const disk = `sd${String.fromCharCode(97 + sid)}`;
    const linesBefore = (await sessionsFile()).split('\n').filter(Boolean);
    const seen = sshd.connections().length;
    const r = await runCli(['run', 'iscsi-cleanup', '--host', host, '--volume', volumes[0], '--yes'], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await sessionsFile()).split('\n').filter(Boolean)).toEqual(linesBefore.filter((l) => !l.startsWith(`tcp: [${sid}] `)));
    expect((await opsLog()).split('\n').filter(Boolean)).toEqual([`blockdev --flushbufs /dev/${disk}`, `delete ${disk}`, `iscsiadm -m session -r ${sid} -u`]);
    const [row] = await lab.rootQuery<{ status: string; attach_status: string }[]>(`SELECT status, attach_status FROM \`${lab.info.db.schemas.cinder}\`.volumes WHERE id = ?`, [volumes[0]]);
    expect(row).toEqual({ status: 'available', attach_status: 'detached' });
    // Every command of the run (list, -P 3, multipath -l, flush, delete, logout, read back) went through one connection.
    expect(sshd.connections().slice(seen).map((c) => c.server)).toEqual([address]);
    expect((await readFile(knownHosts)).equals(known)).toBe(true);
  });
});
