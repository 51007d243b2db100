import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHostsEffect } from '../../src/effects/hosts/create-hosts-effect.js';
import { buildSshArgv, buildSshExitArgv } from '../../src/effects/hosts/ssh-argv.js';
import { runArgv } from '../../src/effects/hosts/run-argv.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'novaops-hosts-'));
  // A fake host tool: prints each argument on its own line, and an env var, then exits 3.
  await writeFile(
    path.join(dir, 'fake-iscsiadm'),
    '#!/bin/sh\nfor a in "$@"; do printf "arg:%s\\n" "$a"; done\nprintf "root:%s\\n" "$LAB_ROOT"\necho oops >&2\nexit 3\n',
  );
  await chmod(path.join(dir, 'fake-iscsiadm'), 0o755);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hosts effect', () => {
  it('runs locally with path_prepend and env, capturing output and a non-zero exit', async () => {
    const hosts = createHostsEffect({ compute1: { via: 'local', pathPrepend: [dir], env: { LAB_ROOT: '/lab/compute1' } } });
    const res = await hosts.run('compute1', ['fake-iscsiadm', '-m', 'session']);
    expect(res.exitCode).toBe(3);
    expect(res.stdout).toBe('arg:-m\narg:session\nroot:/lab/compute1\n');
    expect(res.stderr).toBe('oops\n');
    expect(res.durationMs).toBeGreaterThanOrEqual(0);
    expect(hosts.known()).toEqual(['compute1']);
  });

  it('passes arguments with spaces, quotes and $(...) intact', async () => {
    const hosts = createHostsEffect({ c: { via: 'local', pathPrepend: [dir], env: {} } });
    const nasty = [`a b`, `it's "quoted"`, '$(touch /tmp/novaops-pwned)', '`id`', '; rm -rf /', '', 'multi\nline', '*'];
    const res = await hosts.run('c', ['fake-iscsiadm', ...nasty]);
    expect(res.stdout).toBe(nasty.map((a) => `arg:${a}\n`).join('') + 'root:\n');
  });

  it('refuses an unknown alias, listing the known ones', async () => {
    const hosts = createHostsEffect({ compute1: { via: 'local', pathPrepend: [], env: {} }, compute2: { via: 'local', pathPrepend: [], env: {} } });
    await expect(hosts.run('compute9', ['true'])).rejects.toThrow("unknown host 'compute9'; the config knows: compute1, compute2");
  });

  it('kills a command that outlives its timeout', async () => {
    const res = await runArgv(['sleep', '5'], { timeoutMs: 200 });
    expect(res.exitCode).toBe(124);
    expect(res.durationMs).toBeLessThan(3000);
    expect(res.stderr).toContain('killed after 200 ms');
  });

  it('refuses guests without a guests: section and a hostile guest address', async () => {
    const hosts = createHostsEffect({});
    await expect(hosts.runOnGuest('10.0.0.1', ['true'])).rejects.toThrow(/no guests: section/);
    const withGuests = createHostsEffect({}, { guests: { user: 'cloud-user', port: 22, addressFrom: 'fixed' } });
    await expect(withGuests.runOnGuest('-oProxyCommand=sh', ['true'])).rejects.toThrow(/neither a host name nor an IP/);
  });
});

describe('ssh argv', () => {
  it('keeps strict host key checking and quotes the remote command', () => {
    const argv = buildSshArgv(
      { address: '192.0.2.10', port: 2222, user: 'root', identityFile: '/k/id', knownHostsFile: '/k/known_hosts' },
      ['iscsiadm', '-m', 'session', '-u', '-r', '3', "it's $(x)"],
    );
    expect(argv).toEqual([
      'ssh',
      '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', 'UpdateHostKeys=no',
      '-o', 'UserKnownHostsFile=/k/known_hosts',
      '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'IdentitiesOnly=yes',
      '-i', '/k/id',
      '-o', 'ConnectTimeout=10',
      '-p', '2222',
      'root@192.0.2.10',
      '--',
      `iscsiadm -m session -u -r 3 'it'\\''s $(x)'`,
    ]);
    expect(argv.join(' ')).not.toMatch(/StrictHostKeyChecking=(no|accept-new)|UserKnownHostsFile=\/dev\/null/);
  });

  it('omits optional files', () => {
    expect(buildSshArgv({ address: 'h', port: 22, user: 'u' }, ['true'])).toEqual([
      'ssh', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', 'UpdateHostKeys=no', '-o', 'ConnectTimeout=10', '-p', '22', 'u@h', '--', 'true',
    ]);
  });

  it('multiplexes through a control socket, and ends the master with the same path', () => {
    const control = { path: '/run/user/0/novaops-ssh-abc123/0-%C', persistS: 60 };
    const argv = buildSshArgv({ address: 'h', port: 22, user: 'u' }, ['true'], { control });
    expect(argv.join(' ')).toContain('-o ControlMaster=auto -o ControlPath=/run/user/0/novaops-ssh-abc123/0-%C -o ControlPersist=60 -p 22 u@h -- true');
    expect(buildSshExitArgv({ address: 'h', port: 22, user: 'u' }, control)).toEqual(['ssh', '-O', 'exit', '-o', 'ControlPath=/run/user/0/novaops-ssh-abc123/0-%C', '-p', '22', 'u@h']);
  });

  it('the quoted remote command survives a POSIX shell (dash) intact', async () => {
    const args = ['printf', '%s|', 'a b', "it's", '$(id)', '`id`', '', 'x\ny'];
    const remote = buildSshArgv({ address: 'h', port: 22, user: 'u' }, args).at(-1)!;
    const res = await runArgv(['sh', '-c', remote], {});
    expect(res.stdout).toBe("a b|it's|$(id)|`id`||x\ny|");
  });
});
