// The config's ssh: section: the defaults of every `via: ssh` host (an entry's own value wins), and
// the whole recipe for hosts found through the Compute API; a typo in it is an error, not ignored.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load-config.js';
import { configUnderTest } from '../support/config-under-test.js';

const { load, dir } = configUnderTest('novaops-ssh-config-');

describe('ssh: in the config', () => {
  it('fills what a via: ssh host leaves out; paths relative to the config file', async () => {
    const c = await load(
      'ssh: { user: ops, port: 2222, identity_file: keys/id, known_hosts_file: keys/known_hosts }\n' +
        'hosts:\n  c1: { via: ssh, address: 10.0.0.1 }\n  c2: { via: ssh, address: 10.0.0.2, user: root, port: 22, known_hosts_file: /etc/ssh/kh }\n',
    );
    expect(c.ssh).toEqual({ user: 'ops', port: 2222, identityFile: path.join(dir(), 'keys/id'), knownHostsFile: path.join(dir(), 'keys/known_hosts') });
    expect(c.hosts.c1).toMatchObject({ via: 'ssh', address: '10.0.0.1', user: 'ops', port: 2222, identityFile: path.join(dir(), 'keys/id'), knownHostsFile: path.join(dir(), 'keys/known_hosts') });
    expect(c.hosts.c2).toMatchObject({ user: 'root', port: 22, identityFile: path.join(dir(), 'keys/id'), knownHostsFile: '/etc/ssh/kh' });
  });

  it('without it: root on port 22, ssh finds keys and known_hosts as it always does', async () => {
    const c = await load('');
    expect(c.ssh).toEqual({ user: 'root', port: 22, identityFile: undefined, knownHostsFile: undefined });
    expect(c.hosts).toEqual({});
  });

  it('a misspelt key is an error naming it', async () => {
    const err = await load('ssh: { user: ops, known_host_file: /x }\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain('unknown key ssh.known_host_file');
  });
});
