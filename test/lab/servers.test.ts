import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestLab, labToken, type TestLab } from '../support/lab.js';
import { api } from './api-helpers.js';

let lab: TestLab;
let token: string;
let compute: string;
let scenario: Awaited<ReturnType<TestLab['scenario']>>;
beforeAll(async () => {
  lab = await createTestLab();
  scenario = await lab.scenario('power-loss', { instances: 20, volumes: 30, seed: 7 });
  ({ token, compute } = await labToken(lab.info));
});
afterAll(async () => lab?.destroy());

describe('nova servers', () => {
  test('detail without all_tenants shows only the token project', async () => {
    const mine = await api(token, `${compute}/servers/detail`);
    const all = await api(token, `${compute}/servers/detail?all_tenants=1`);
    expect(all.body.servers).toHaveLength(20);
    expect(mine.body.servers.length).toBeLessThan(20);
    expect(new Set(mine.body.servers.map((s: any) => s.tenant_id)).size).toBe(1);
  });

  test('host, name (regex) and status filters', async () => {
    const byHost = await api(token, `${compute}/servers/detail?all_tenants=1&host=compute2`);
    expect(byHost.body.servers.length).toBe(scenario.instances.filter((i) => i.host === 'compute2').length);
    expect(byHost.body.servers.every((s: any) => s['OS-EXT-SRV-ATTR:host'] === 'compute2')).toBe(true);
    const byName = await api(token, `${compute}/servers/detail?all_tenants=1&name=^vm-001[0-2]$`);
    expect(byName.body.servers.map((s: any) => s.name).sort()).toEqual(['vm-0010', 'vm-0011', 'vm-0012']);
    const errors = await api(token, `${compute}/servers/detail?all_tenants=1&status=ERROR`);
    expect(errors.body.servers.map((s: any) => s.id)).toEqual(scenario.errorInstances);
    const active = await api(token, `${compute}/servers/detail?all_tenants=1&status=ACTIVE`);
    expect(active.body.servers.map((s: any) => s.id).sort()).toEqual([...scenario.activeInstances].sort());
  });

  test('limit/marker pagination walks every server once, with next links', async () => {
    const seen: string[] = [];
    let url: string | undefined = `${compute}/servers/detail?all_tenants=1&limit=6`;
    let pages = 0;
    while (url) {
      const r = await api(token, url);
      expect(r.status).toBe(200);
      seen.push(...r.body.servers.map((s: any) => s.id));
      url = r.body.servers_links?.find((l: any) => l.rel === 'next')?.href;
      pages++;
    }
    expect(pages).toBe(4);
    expect(new Set(seen).size).toBe(20);
  });

  test('server body keys and states after a power loss', async () => {
    const pair = scenario.attached.find((p) => !scenario.multiattach || p.volume !== scenario.multiattach.volume)!;
    const r = await api(token, `${compute}/servers/${pair.instance}`);
    const s = r.body.server;
    expect(s.status).toBe('SHUTOFF');
    expect(s['OS-EXT-STS:vm_state']).toBe('stopped');
    expect(s['OS-EXT-STS:power_state']).toBe(4);
    expect(s['OS-EXT-STS:task_state']).toBeNull();
    expect(s['OS-EXT-SRV-ATTR:host']).toBe(pair.host);
    expect(s['OS-EXT-SRV-ATTR:instance_name']).toMatch(/^instance-[0-9a-f]{8}$/);
    expect(s['os-extended-volumes:volumes_attached'].map((v: any) => v.id)).toContain(pair.volume);
    expect(s.addresses.private[0].addr).toMatch(/^127\.0\.\d+\.\d+$/);
  });

  test('unknown server is 404 itemNotFound', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const r = await api(token, `${compute}/servers/${id}`);
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ itemNotFound: { code: 404, message: `Instance ${id} could not be found.` } });
  });

  test('os-services lists nova-compute per host, up', async () => {
    const r = await api(token, `${compute}/os-services?binary=nova-compute`);
    expect(r.body.services.map((s: any) => [s.host, s.state])).toEqual([
      ['compute1', 'up'],
      ['compute2', 'up'],
      ['compute3', 'up'],
    ]);
  });
});
