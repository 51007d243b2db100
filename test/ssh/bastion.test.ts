// A compute host behind a bastion, both real OpenSSH servers on loopback: the bastion on 127.0.0.1
// (forwarding allowed), the host on the lab host's own loopback address, running commands with its
// bin (iscsiadm stub) first on PATH. Commands go through the bastion over one connection per host;
// a bastion whose key known_hosts does not hold is refused like a host would be; hosts effect and
// doctor say which hop failed. known_hosts is never written.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { HostSpec } from '../../src/config/types.js';
import { createHostsEffect } from '../../src/effects/hosts/create-hosts-effect.js';
import { classifySshFailure } from '../../src/effects/hosts/ssh-failure.js';
import type { HostsEffect } from '../../src/effects/types.js';
import { freeLoopbackPort } from '../../src/lab/free-port.js';
import { hostPaths } from '../../src/lab/paths.js';
import { hostAddress } from '../../src/lab/scenarios/libvirt-xml.js';
import { runCli } from '../support/cli.js';
import { writeLabConfigVariant } from '../support/lab-config.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { sshdAvailable, sshdSkipReason, startSshd, type TestSshd } from '../support/sshd.js';

const HOST = 'compute1';
let lab: TestLab;
let bastion: TestSshd;
let target: TestSshd;
let address: string;
let keysDir: string;

async function knownHosts(name: string, content: string): Promise<string> {
  const file = path.join(keysDir, name);
  await writeFile(file, content, { mode: 0o600 });
  return file;
}

function spec(knownHostsFile: string, over: { port?: number; jumpPort?: number } = {}): Extract<HostSpec, { via: 'ssh' }> {
  return {
    via: 'ssh',
    address,
    port: over.port ?? target.port,
    user: target.user,
    identityFile: target.identityFile,
    knownHostsFile,
    jump: { address: '127.0.0.1', port: over.jumpPort ?? bastion.port, user: bastion.user },
  };
}

const opened: HostsEffect[] = [];
function hostsWith(s: HostSpec): HostsEffect {
  const hosts = createHostsEffect({ [HOST]: s });
  opened.push(hosts);
  return hosts;
}

describe.skipIf(!sshdAvailable)(`a compute host behind a bastion ${sshdSkipReason}`.trim(), () => {
  beforeAll(async () => {
    lab = await createTestLab({ hosts: 1 });
    address = hostAddress(HOST);
    expect(address).toMatch(/^127\./);
    expect(address).not.toBe('127.0.0.1'); // the bastion's: two hops, two addresses
    bastion = await startSshd({ forwarding: true });
    // One client key for both hops, as proxy_jump uses the host's identity for the bastion.
    target = await startSshd({ listenOnly: [address], identityFile: bastion.identityFile, execute: { pathPrepend: [hostPaths(lab.info.dir, HOST).bin] } });
    keysDir = await mkdtemp(path.join(os.tmpdir(), 'novaops-bastion-'));
  });
  afterAll(async () => {
    await target?.stop();
    await bastion?.stop();
    await lab?.destroy();
    if (keysDir) await rm(keysDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const h of opened.splice(0)) await h.close();
  });

  test('commands run on the host through the bastion, over one connection per hop', async () => {
    const file = await knownHosts('both', bastion.knownHostsLine('127.0.0.1') + target.knownHostsLine(address));
    const before = await readFile(file);
    const [viaBastion, atHost] = [bastion.connections().length, target.connections().length];
    const hosts = hostsWith(spec(file));
    const results = await Promise.all([1, 2, 3].map((n) => hosts.run(HOST, ['sh', '-c', `echo ${n} $SSH_CONNECTION`], { timeoutMs: 30_000 })));
    for (const [i, r] of results.entries()) {
      expect(r.exitCode, r.stderr).toBe(0);
      // Reached on the host's own address (the server side of SSH_CONNECTION).
      expect(r.stdout.trim().split(' ')).toEqual([String(i + 1), expect.any(String), expect.any(String), address, String(target.port)]);
    }
    // Through the bastion: one connection to it, one (the master's) from it to the host.
    expect(bastion.connections().slice(viaBastion)).toHaveLength(1);
    expect(target.connections().slice(atHost)).toHaveLength(1);
    expect((await readFile(file)).equals(before)).toBe(true);
  });

  test("a bastion whose key known_hosts does not hold: refused, the host never reached, the bastion's hop named", async () => {
    const file = await knownHosts('host-only', target.knownHostsLine(address));
    const atHost = target.connections().length;
    const r = await hostsWith(spec(file)).run(HOST, ['iscsiadm', '-m', 'session'], { timeoutMs: 30_000 });
    expect(r.exitCode).toBe(255);
    expect(r.stderr).toContain(`No ED25519 host key is known for [127.0.0.1]:${bastion.port} and you have requested strict checking.`);
    expect(r.stderr).toContain(`through the bastion ${bastion.user}@127.0.0.1:${bastion.port}: the bastion failed: unknown host key`);
    expect(target.connections().slice(atHost)).toEqual([]);
    expect(await readFile(file, 'utf8')).toBe(target.knownHostsLine(address)); // nothing added
    expect(classifySshFailure(r.exitCode, r.stderr, spec(file))).toMatchObject({ hop: 'bastion', kind: 'unknown host key' });
  });

  test("a bastion's key that changed: refused as a mismatch at the bastion", async () => {
    const file = await knownHosts('bastion-changed', bastion.knownHostsLine('127.0.0.1', bastion.otherPublicKey) + target.knownHostsLine(address));
    const r = await hostsWith(spec(file)).run(HOST, ['true'], { timeoutMs: 30_000 });
    expect(classifySshFailure(r.exitCode, r.stderr, spec(file))).toMatchObject({ hop: 'bastion', kind: 'host key mismatch' });
  });

  test("the host's failures are the host's: an unknown host key, nothing listening behind the bastion", async () => {
    const file = await knownHosts('bastion-only', bastion.knownHostsLine('127.0.0.1'));
    const unknown = await hostsWith(spec(file)).run(HOST, ['true'], { timeoutMs: 30_000 });
    expect(classifySshFailure(unknown.exitCode, unknown.stderr, spec(file))).toMatchObject({ hop: 'host', kind: 'unknown host key' });
    expect(unknown.stderr).toContain(`No ED25519 host key is known for [${address}]:${target.port}`);

    const closed = spec(file, { port: await freeLoopbackPort() });
    const refused = await hostsWith(closed).run(HOST, ['true'], { timeoutMs: 30_000 });
    expect(refused.stderr).toMatch(/open failed: connect failed: Connection refused/);
    expect(classifySshFailure(refused.exitCode, refused.stderr, closed)).toMatchObject({ hop: 'host', kind: 'connection refused' });

    const noBastion = spec(file, { jumpPort: await freeLoopbackPort() });
    const down = await hostsWith(noBastion).run(HOST, ['true'], { timeoutMs: 30_000 });
    expect(classifySshFailure(down.exitCode, down.stderr, noBastion)).toMatchObject({ hop: 'bastion', kind: 'connection refused' });
  });

  test('doctor: reachable through the bastion; then which hop failed', async () => {
    const config = async (name: string, known: string, proxyJump = `${bastion.user}@127.0.0.1:${bastion.port}`) => {
      const file = await knownHosts(`${name}.known_hosts`, known);
      const cfg = await writeLabConfigVariant(lab, `${name}.yaml`, (doc) => {
        doc.ssh = { proxy_jump: proxyJump };
        doc.hosts[HOST] = { via: 'ssh', address, port: target.port, user: target.user, identity_file: target.identityFile, known_hosts_file: file };
      });
      return { ...lab.env, NOVAOPS_CONFIG: cfg };
    };
    const where = `${target.user}@${address}:${target.port} via bastion ${bastion.user}@127.0.0.1:${bastion.port}`;
    const esc = (s: string) => s.replace(/[.[\]()]/g, '\\$&');

    const ok = await runCli(['doctor'], await config('doctor-ok', bastion.knownHostsLine('127.0.0.1') + target.knownHostsLine(address)));
    expect(ok.stdout).toMatch(new RegExp(`^ok   host ${HOST} — reachable over ssh \\(${esc(where)}\\)`, 'm'));

    const atBastion = await runCli(['doctor'], await config('doctor-bastion', target.knownHostsLine(address)));
    expect(atBastion.code).toBe(2);
    expect(atBastion.stdout).toMatch(new RegExp(`^FAIL host ${HOST} — bastion: unknown host key \\(${esc(where)}\\): the bastion`, 'm'));

    const atHost = await runCli(['doctor'], await config('doctor-host', bastion.knownHostsLine('127.0.0.1')));
    expect(atHost.code).toBe(2);
    expect(atHost.stdout).toMatch(new RegExp(`^FAIL host ${HOST} — host, behind the bastion: unknown host key \\(${esc(where)}\\)`, 'm'));
  });
});
