import { describe, expect, it } from 'vitest';
import type { NovaopsConfig } from '../../src/config/types.js';
import { createEffects } from '../../src/effects/create-effects.js';

describe('createEffects', () => {
  it('wires sql, openstack and hosts from a config, and closes cleanly', async () => {
    const db = { host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'information_schema', source: 'test' };
    const config: NovaopsConfig = {
      source: 'test',
      cloudName: 'test',
      stateDir: '/tmp/novaops-test-state',
      readOnly: false,
      cloud: { authUrl: 'http://127.0.0.1:1/v3', username: 'u', password: 'p', projectName: 'p', userDomainName: 'Default', projectDomainName: 'Default', interface: 'public', source: 'test' },
      databases: { nova: db, cinder: db },
      hosts: { compute1: { via: 'local', pathPrepend: [], env: {} } },
      api: { concurrency: 2, timeoutMs: 1000 },
      poll: { initialMs: 1, maxMs: 2, timeoutMs: 3 },
    };
    const fx = createEffects(config);
    expect(fx.hosts.known()).toEqual(['compute1']);
    expect(await fx.sql.select('nova', 'SELECT ? + 1 AS n', [1])).toEqual([{ n: 2 }]);
    expect((await fx.hosts.run('compute1', ['echo', 'hi'])).stdout).toBe('hi\n');
    expect(fx.openstack.requestCounts()).toEqual({});
    await fx.close();
  });
});
