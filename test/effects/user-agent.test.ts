// Every API request novaops sends (Keystone's included) carries `User-Agent: novaops/<version>
// (pid <pid>)`, so an operator can find one run's requests in the API logs, and the lab can count
// what each process sent (test/drp/lock.test.ts: the refused run sent no mutating request).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createEffects } from '../../src/effects/create-effects.js';
import { listServers, rebootServer } from '../../src/operations/openstack/servers.js';
import { listVolumes } from '../../src/operations/openstack/volumes.js';
import { novaopsUserAgent } from '../../src/effects/openstack/create-openstack-effect.js';
import type { Effects } from '../../src/effects/types.js';
import { REPO } from '../support/cli.js';
import { createTestLab, type TestLab } from '../support/lab.js';

let lab: TestLab;
let fx: Effects;
beforeAll(async () => {
  lab = await createTestLab({ hosts: 1 });
  fx = createEffects(await loadConfig({ configPath: lab.info.configFile, env: { ...process.env, ...lab.env }, cwd: lab.stateDir }));
});
afterAll(async () => {
  await fx?.close();
  await lab?.destroy();
});

describe('User-Agent on every API request', () => {
  it('is novaops/<package.json version> (pid <this pid>) on Keystone, Nova and Cinder requests; the lab counts by it', async () => {
    const { version } = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    const agent = `novaops/${version} (pid ${process.pid})`;
    expect(novaopsUserAgent()).toBe(agent);

    const s = await lab.scenario('power-loss', { instances: 3, volumes: 3, seed: 2 });
    await lab.resetStats();
    expect((await fx.openstack.execute(listServers({ allProjects: true }))).ok).toBe(true);
    expect((await fx.openstack.execute(listVolumes({ allProjects: true }))).ok).toBe(true);
    expect((await fx.openstack.execute(rebootServer(s.affectedInstances[0]))).ok).toBe(true);

    const stats = await lab.stats();
    const total = Object.values(stats.requests).reduce((a, b) => a + b, 0);
    expect(stats.requests['POST identity /auth/tokens']).toBe(1);
    expect(total).toBeGreaterThanOrEqual(4);
    // Every request, the token request included, named this process; nothing came without it.
    expect(stats.requestsByUserAgent).toEqual({ [agent]: total });
    expect(stats.mutatingByUserAgent).toEqual({ [agent]: 1 });
    expect(stats.mutatingRequests).toBe(1);
  });
});
