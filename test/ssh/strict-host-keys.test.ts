// Invariant 11 against a real sshd on loopback: SSH keeps strict host key checking and novaops
// never edits known_hosts. The server only records the commands it is asked to run (see
// test/support/sshd.ts), so the `shutdown -r now` below is never executed.
import { readdir, readFile, stat, writeFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createHostsEffect } from '../../src/effects/hosts/create-hosts-effect.js';
import type { HostsEffect } from '../../src/effects/types.js';
import { writeLabConfigVariant } from '../support/lab-config.js';
import { runCli } from '../support/cli.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { sshdAvailable, sshdSkipReason, startSshd, type TestSshd } from '../support/sshd.js';

const servers: TestSshd[] = [];
let sshd: TestSshd;
let keysDir: string;

async function snapshot(file: string): Promise<{ bytes: Buffer; mtimeMs: number; dir: string[] }> {
  return { bytes: await readFile(file), mtimeMs: (await stat(file)).mtimeMs, dir: (await readdir(path.dirname(file))).sort() };
}

describe.skipIf(!sshdAvailable)(`strict host keys over a real sshd on loopback ${sshdSkipReason}`.trim(), () => {
  beforeAll(async () => {
    sshd = await startSshd();
    servers.push(sshd);
    keysDir = await mkdtemp(path.join(os.tmpdir(), 'novaops-known-hosts-'));
  });

  afterAll(async () => {
    for (const s of servers.splice(0)) await s.stop();
    if (keysDir) await rm(keysDir, { recursive: true, force: true });
  });

  const opened: HostsEffect[] = [];
  afterEach(async () => {
    for (const h of opened.splice(0)) await h.close();
  });

  function hostsEffectWith(knownHostsFile: string) {
    const hosts = createHostsEffect({
      compute1: { via: 'ssh', address: '127.0.0.1', port: sshd.port, user: sshd.user, identityFile: sshd.identityFile, knownHostsFile },
    });
    opened.push(hosts);
    return hosts;
  }

  async function knownHosts(name: string, content: string): Promise<string> {
    const file = path.join(keysDir, name);
    await writeFile(file, content, { mode: 0o600 });
    return file;
  }

  test('a known_hosts holding the server key: the command runs', async () => {
    const file = await knownHosts('known_hosts.right', sshd.knownHostsLine('127.0.0.1'));
    const before = await snapshot(file);
    const seen = (await sshd.commands()).length;
    const res = await hostsEffectWith(file).run('compute1', ['shutdown', '-r', 'now'], { timeoutMs: 20_000 });
    expect(res.exitCode, res.stderr).toBe(0);
    expect((await sshd.commands()).slice(seen)).toEqual([{ server: '127.0.0.1', user: sshd.user, command: 'shutdown -r now' }]);
    expect(await snapshot(file)).toEqual(before);
  });

  test('an empty known_hosts: refused, the command never ran, known_hosts untouched', async () => {
    const file = await knownHosts('known_hosts.empty', '');
    const before = await snapshot(file);
    const seen = (await sshd.commands()).length;
    const res = await hostsEffectWith(file).run('compute1', ['shutdown', '-r', 'now'], { timeoutMs: 20_000 });
    expect(res.exitCode).toBe(255);
    expect(res.stderr).toMatch(/Host key verification failed/);
    expect((await sshd.commands()).slice(seen)).toEqual([]);
    const after = await snapshot(file);
    expect(after.bytes.length).toBe(0);
    expect(after).toEqual(before); // not trusted on first use: nothing was added, no .old copy made
  });

  test('a known_hosts holding a different key for [127.0.0.1]:port: refused, untouched', async () => {
    const file = await knownHosts('known_hosts.changed', sshd.knownHostsLine('127.0.0.1', sshd.otherPublicKey));
    const before = await snapshot(file);
    const seen = (await sshd.commands()).length;
    const res = await hostsEffectWith(file).run('compute1', ['shutdown', '-r', 'now'], { timeoutMs: 20_000 });
    expect(res.exitCode).toBe(255);
    expect(res.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
    expect(res.stderr).toMatch(/Host key verification failed/);
    expect((await sshd.commands()).slice(seen)).toEqual([]);
    expect(await snapshot(file)).toEqual(before);
  });

  describe('drp --ssh-reboot end to end', () => {
    let lab: TestLab | undefined;
    afterEach(async () => {
      await lab?.destroy();
      lab = undefined;
    });

    /** A power-loss lab, an sshd answering on one affected instance's fixed address, and a config whose guests: point at it. */
    async function setup(knownHostsContent: (guest: TestSshd, address: string) => string) {
      lab = await createTestLab();
      const scenario = await lab.scenario('power-loss', { instances: 6, volumes: 8, seed: 11 });
      const uuid = scenario.affectedInstances.find((u) => scenario.attached.some((p) => p.instance === u))!;
      const instance = scenario.instances.find((i) => i.uuid === uuid)!;
      expect(instance.address).toMatch(/^127\.0\.\d+\.\d+$/); // loopback: no packet leaves the machine
      const guest = await startSshd({ listen: [instance.address] });
      servers.push(guest);
      // In a directory of its own, so the snapshot sees any file ssh might add beside it.
      const knownHostsFile = path.join(await mkdtemp(path.join(keysDir, 'guest-')), 'known_hosts');
      await writeFile(knownHostsFile, knownHostsContent(guest, instance.address), { mode: 0o600 });
      const config = await writeLabConfigVariant(lab, 'ssh-reboot.yaml', (doc) => {
        doc.guests = {
          user: guest.user,
          port: guest.port,
          identity_file: guest.identityFile,
          known_hosts_file: knownHostsFile,
          address_from: 'fixed',
        };
      });
      return { lab, guest, instance, knownHostsFile, env: { ...lab.env, NOVAOPS_CONFIG: config } };
    }

    test('step 5 runs `shutdown -r now` once, inside the rehearsal instance, and the run completes', async () => {
      const { guest, instance, knownHostsFile, env } = await setup((g, address) => g.knownHostsLine(address));
      const before = await snapshot(knownHostsFile);
      const r = await runCli(['run', 'drp', '--test-instance', instance.uuid, '--ssh-reboot', '--yes'], env);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/== Step 5: Log in to the instances with SSH and reboot them from inside/);
      expect(r.stdout).toMatch(/== COMPLETED/);
      expect(await guest.commands()).toEqual([{ server: instance.address, user: guest.user, command: 'shutdown -r now' }]);
      expect(await snapshot(knownHostsFile)).toEqual(before);
    });

    test('with the guest key unknown, step 5 is refused by ssh and nothing runs in the guest', async () => {
      const { guest, instance, knownHostsFile, env } = await setup(() => '');
      const before = await snapshot(knownHostsFile);
      const r = await runCli(['run', 'drp', '--test-instance', instance.uuid, '--ssh-reboot', '--yes'], env);
      // Steps 1-4 recovered the instance; the optional step 5 failed: exit 1, resumable.
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1);
      // ssh's refusal, named with what to do (the last stderr line the failed item shows).
      expect(r.stdout).toMatch(/ssh to \S+: unknown host key \(No ED25519 host key is known for .*\); .*novaops never adds keys itself/);
      expect(r.stdout).toMatch(/step 5 .*failed/);
      expect(await guest.commands()).toEqual([]);
      expect(await snapshot(knownHostsFile)).toEqual(before);
    });
  });
});
