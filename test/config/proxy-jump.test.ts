// proxy_jump in the config: a bastion for every ssh host (ssh:) or for one (hosts:), in OpenSSH's
// [user@]host[:port] syntax; `none` sends one host direct; a bad value is named with its key.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load-config.js';
import { configUnderTest } from '../support/config-under-test.js';
import { parseProxyJump } from '../../src/config/proxy-jump.js';
import { buildSshArgv } from '../../src/effects/hosts/ssh-argv.js';

const { load, dir } = configUnderTest('novaops-proxy-jump-');

describe('parseProxyJump', () => {
  it('reads user, host and port, each optional but the host', () => {
    expect(parseProxyJump('ops@bastion.example.com:2222', 'ssh.proxy_jump', 'root')).toEqual({ user: 'ops', address: 'bastion.example.com', port: 2222 });
    expect(parseProxyJump('10.0.0.9', 'ssh.proxy_jump', 'root')).toEqual({ user: 'root', address: '10.0.0.9', port: 22 });
    expect(parseProxyJump('[fd00::9]:2200', 'ssh.proxy_jump', 'nova')).toEqual({ user: 'nova', address: 'fd00::9', port: 2200 });
    expect(parseProxyJump('none', 'hosts.c1.proxy_jump', 'root')).toBeUndefined();
  });
  it('refuses what is not a bastion, naming the key', () => {
    expect(() => parseProxyJump('ops@bastion:99999', 'ssh.proxy_jump', 'root')).toThrow('ssh.proxy_jump: port 99999 is not between 1 and 65535');
    expect(() => parseProxyJump('ops@-oProxyCommand=x', 'ssh.proxy_jump', 'root')).toThrow(/ssh\.proxy_jump: .* is neither a host name nor an IP address/);
    expect(() => parseProxyJump('a@b@c', 'ssh.proxy_jump', 'root')).toThrow(/is not \[user@\]host\[:port\]/);
    expect(() => parseProxyJump('bastion1,bastion2', 'ssh.proxy_jump', 'root')).toThrow(/neither a host name nor an IP address/);
  });
});

describe('proxy_jump in the config', () => {
  it('ssh.proxy_jump applies to every ssh host and to discovered ones; a host may name its own or none', async () => {
    const c = await load(
      'ssh: { user: ops, proxy_jump: "jump@bastion.example.com:2222" }\n' +
        'hosts:\n  c1: { via: ssh, address: 10.0.0.1 }\n  c2: { via: ssh, address: 10.0.0.2, proxy_jump: other-bastion }\n  c3: { via: ssh, address: 10.0.0.3, proxy_jump: none }\n',
    );
    expect(c.ssh?.jump).toEqual({ user: 'jump', address: 'bastion.example.com', port: 2222 });
    expect(c.hosts.c1).toMatchObject({ jump: { user: 'jump', address: 'bastion.example.com', port: 2222 } });
    expect(c.hosts.c2).toMatchObject({ jump: { user: 'ops', address: 'other-bastion', port: 22 } });
    expect(c.hosts.c3).not.toHaveProperty('jump');
  });

  it('a bad value: exit 2, the key and the file named', async () => {
    const err = await load('hosts:\n  c1: { via: ssh, address: 10.0.0.1, proxy_jump: "root@bastion:0" }\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as ConfigError).message).toBe(`config ${path.join(dir(), 'config.yaml')}: hosts.c1.proxy_jump: port 0 is not between 1 and 65535`);
  });
});

describe('the ssh command line through a bastion', () => {
  it('carries the strict options to the bastion hop as well, in a ProxyCommand, not -J', () => {
    const argv = buildSshArgv(
      { address: '10.0.0.1', port: 22, user: 'root', identityFile: '/keys/id 1', knownHostsFile: '/keys/known%hosts', jump: { address: 'bastion', port: 2222, user: 'ops' } },
      ['true'],
    );
    expect(argv).not.toContain('-J');
    const proxy = argv.find((a) => a.startsWith('ProxyCommand='))!;
    expect(proxy).toBe(
      "ProxyCommand=ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UpdateHostKeys=no -o UserKnownHostsFile=/keys/known%%hosts -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -i '/keys/id 1' -o ConnectTimeout=10 -o ControlMaster=no -o ControlPath=none -W '[%h]:%p' -p 2222 ops@bastion",
    );
    // The host itself is checked the same way, by the outer ssh.
    expect(argv).toContain('StrictHostKeyChecking=yes');
    expect(argv.slice(-5)).toEqual(['-p', '22', 'root@10.0.0.1', '--', 'true']);
  });
});
