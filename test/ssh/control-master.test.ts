// One ssh connection per host for the life of the effects object, against a real sshd on loopback
// that logs every connection it accepts (LogLevel VERBOSE): N commands to a host open one, a
// 20-host audit opens 20, and close() ends the masters and removes their private directory.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { HostSpec } from '../../src/config/types.js';
import { createHostsEffect } from '../../src/effects/hosts/create-hosts-effect.js';
import { sshdAvailable, sshdSkipReason, startSshd, type TestSshd } from '../support/sshd.js';

const ADDRESSES = Array.from({ length: 20 }, (_, i) => `127.0.0.${101 + i}`);
/** sshd listens on 16 sockets at most: the 20 addresses are split between two servers. */
let sshd: TestSshd;
let second: TestSshd;
const serverOf = (address: string) => (ADDRESSES.indexOf(address) >= 10 ? second : sshd);
let dir: string;
let knownHosts: string;
const runtimes: string[] = [];

/** A runtime dir of our own (short: socket paths are), so the test sees exactly the control directory this effects object makes. */
async function runtimeDir(): Promise<string> {
  const d = await mkdtemp('/tmp/nrt-');
  runtimes.push(d);
  return d;
}

function spec(address: string, knownHostsFile = knownHosts): HostSpec {
  const s = serverOf(address);
  return { via: 'ssh', address, port: s.port, user: s.user, identityFile: s.identityFile, knownHostsFile };
}

/** Connections accepted since `from` (mark()), by the address the client asked for. */
const perServer = (from: { a: number; b: number }) =>
  [...sshd.connections().slice(from.a), ...second.connections().slice(from.b)].reduce<Record<string, number>>((acc, c) => ({ ...acc, [c.server]: (acc[c.server] ?? 0) + 1 }), {});
const mark = () => ({ a: sshd.connections().length, b: second.connections().length });

describe.skipIf(!sshdAvailable)(`ssh ControlMaster over a real sshd ${sshdSkipReason}`.trim(), () => {
  beforeAll(async () => {
    sshd = await startSshd({ listen: ADDRESSES.slice(0, 10) });
    second = await startSshd({ listen: ADDRESSES.slice(10) });
    dir = await mkdtemp(path.join(os.tmpdir(), 'novaops-control-'));
    knownHosts = path.join(dir, 'known_hosts');
    await writeFile(knownHosts, ['127.0.0.1', ...ADDRESSES].map((a) => serverOf(a).knownHostsLine(a)).join(''), { mode: 0o600 });
  });
  afterAll(async () => {
    await sshd?.stop();
    await second?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    for (const d of runtimes) await rm(d, { recursive: true, force: true });
  });

  test('five commands to one host, some at once: one connection; close() ends it and removes the 0700 directory', async () => {
    const runtime = await runtimeDir();
    const hosts = createHostsEffect({ compute1: spec('127.0.0.1') }, { env: { XDG_RUNTIME_DIR: runtime } });
    const seen = mark();
    const results = await Promise.all([1, 2, 3].map((n) => hosts.run('compute1', ['iscsiadm', '-m', 'session', '-r', String(n)], { timeoutMs: 20_000 })));
    results.push(await hosts.run('compute1', ['iscsiadm', '-m', 'session'], { timeoutMs: 20_000 }));
    results.push(await hosts.run('compute1', ['multipath', '-l'], { timeoutMs: 20_000 }));
    for (const r of results) expect(r.exitCode, r.stderr).toBe(0);
    expect(perServer(seen)).toEqual({ '127.0.0.1': 1 });
    expect((await sshd.commands()).slice(-2).map((c) => c.command)).toEqual(['iscsiadm -m session', 'multipath -l']);

    const [control] = await readdir(runtime);
    expect(control).toMatch(/^novaops-ssh-/);
    const controlPath = path.join(runtime, control);
    expect((await stat(controlPath)).mode & 0o777).toBe(0o700);
    expect(await readdir(controlPath)).toHaveLength(1); // the master's socket
    await hosts.close();
    expect(existsSync(controlPath)).toBe(false);
    // The master is gone: the server sees its connection close (its log says so), and a new effects object connects anew.
    await expect.poll(() => /Close session: user \S+ from 127\.0\.0\.1/.test(sshd.log()), { timeout: 10_000 }).toBe(true);
    await expect(hosts.run('compute1', ['true'])).rejects.toThrow(/closed/);
  });

  test('a 20-host audit, three commands a host at once: 20 connections, one per host', async () => {
    const aliases = Object.fromEntries(ADDRESSES.map((a, i) => [`compute${i + 1}`, spec(a)]));
    const hosts = createHostsEffect(aliases, { env: { XDG_RUNTIME_DIR: await runtimeDir() } });
    const seen = mark();
    try {
      const results = await Promise.all(
        Object.keys(aliases).flatMap((h) => [['iscsiadm', '-m', 'session'], ['getent', 'passwd', 'nova'], ['getent', 'group', 'libvirt']].map((argv) => hosts.run(h, argv, { timeoutMs: 30_000 }))),
      );
      for (const r of results) expect(r.exitCode, r.stderr).toBe(0);
      expect(perServer(seen)).toEqual(Object.fromEntries(ADDRESSES.map((a) => [a, 1])));
    } finally {
      await hosts.close();
    }
  });

  test('two aliases of one user@address:port never share a connection: the one whose known_hosts is wrong is refused', async () => {
    const wrong = path.join(dir, 'known_hosts.wrong');
    await writeFile(wrong, sshd.knownHostsLine('127.0.0.1', sshd.otherPublicKey), { mode: 0o600 });
    const hosts = createHostsEffect({ good: spec('127.0.0.1'), bad: spec('127.0.0.1', wrong) }, { env: { XDG_RUNTIME_DIR: await runtimeDir() } });
    try {
      expect((await hosts.run('good', ['true'], { timeoutMs: 20_000 })).exitCode).toBe(0);
      const seen = (await sshd.commands()).length;
      const refused = await hosts.run('bad', ['shutdown', '-r', 'now'], { timeoutMs: 20_000 });
      expect(refused.exitCode).toBe(255);
      expect(refused.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
      expect((await sshd.commands()).slice(seen)).toEqual([]);
    } finally {
      await hosts.close();
    }
  });
});
