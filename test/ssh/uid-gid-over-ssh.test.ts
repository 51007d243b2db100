// uid-gid through real OpenSSH on one host: compute1 configured `via: ssh` (with its lab root) to
// an sshd on its loopback address that executes commands with the host's bin first on PATH; the
// audit reads both hosts, the change (--test-host compute1) stops the services, moves the ids and
// starts them again on compute1 over one connection, and compute2 (local) is left as it was.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyScenario, releaseImmutable, hostPaths, hostAddress } from '../../src/lab/index.js';
import { runCli } from '../support/cli.js';
import { writeLabConfigVariant } from '../support/lab-config.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { sshdAvailable, sshdSkipReason, startSshd, type TestSshd } from '../support/sshd.js';
import { ids, serviceLog, TARGET_ARGS, treeHash } from '../uid-gid/support.js';

let lab: TestLab;
let sshd: TestSshd;
let dir: string;
let env: Record<string, string>;
let knownHosts: string;
const address = hostAddress('compute1');

describe.skipIf(!sshdAvailable)(`uid-gid over ssh ${sshdSkipReason}`.trim(), () => {
  beforeAll(async () => {
    lab = await createTestLab({ hosts: 2 });
    await applyScenario(lab.info, 'uid-mismatch', { files: 200, immutable: 0, seed: 5 });
    sshd = await startSshd({ listenOnly: [address], execute: { pathPrepend: [hostPaths(lab.info.dir, 'compute1').bin] } });
    dir = await mkdtemp(path.join(os.tmpdir(), 'novaops-uid-gid-ssh-'));
    knownHosts = path.join(dir, 'known_hosts');
    await writeFile(knownHosts, sshd.knownHostsLine(address), { mode: 0o600 });
    const config = await writeLabConfigVariant(lab, 'uid-gid-ssh.yaml', (doc) => {
      doc.hosts.compute1 = {
        via: 'ssh',
        root: hostPaths(lab.info.dir, 'compute1').root,
        address,
        port: sshd.port,
        user: sshd.user,
        identity_file: sshd.identityFile,
        known_hosts_file: knownHosts,
      };
    });
    env = { ...lab.env, NOVAOPS_CONFIG: config };
  });
  afterAll(async () => {
    await sshd?.stop();
    if (lab) releaseImmutable(lab.info.dir);
    await lab?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('--test-host compute1: ids moved and services restarted on compute1 over one connection; compute2 untouched', async () => {
    const known = await readFile(knownHosts);
    const other = treeHash(hostPaths(lab.info.dir, 'compute2').root);
    const r = await runCli(['run', 'uid-gid', '--hosts', 'compute1,compute2', ...TARGET_ARGS, '--test-host', 'compute1', '--yes'], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const passwd = ids(hostPaths(lab.info.dir, 'compute1').passwd);
    const group = ids(hostPaths(lab.info.dir, 'compute1').group);
    expect([passwd.get('nova'), passwd.get('libvirt-qemu'), group.get('nova'), group.get('libvirtd')]).toEqual([112, 119, 120, 119]);
    const log = serviceLog(lab.info.dir, 'compute1');
    expect(log.some((l) => /stop/.test(l))).toBe(true);
    expect(log.some((l) => /start/.test(l))).toBe(true);
    expect(treeHash(hostPaths(lab.info.dir, 'compute2').root)).toBe(other);
    expect(sshd.connections().map((c) => c.server)).toEqual([address]);
    expect((await readFile(knownHosts)).equals(known)).toBe(true);
  });
});
