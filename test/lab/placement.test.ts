// Placement over HTTP: providers (one per compute node), allocations per microversion, and the
// DB behind them. Expected shapes and texts are a real Zed placement's (openstack-placement 8.0.0).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PowerLossSummary } from '../../src/lab/index.js';
import { createTestLab, labToken, type TestLab } from '../support/lab.js';
import { api, placementAt, placementMessage } from './api-helpers.js';

let lab: TestLab;
let token: string;
let P: string;
let s: PowerLossSummary;
let rp: Record<string, string>;
const placement = () => `\`${lab.info.db.schemas.placement}\``;
const nova = () => `\`${lab.info.db.schemas.nova}\``;
const X = '11111111-2222-4333-8444-555555555555';

beforeAll(async () => {
  lab = await createTestLab();
  s = await lab.scenario('power-loss', { instances: 12, volumes: 14, seed: 8 });
  ({ token } = await labToken(lab.info));
  P = `${lab.info.api.url}/placement`;
  const nodes = await lab.rootQuery<any[]>(`SELECT hypervisor_hostname, uuid FROM ${nova()}.compute_nodes`);
  rp = Object.fromEntries(nodes.map((n) => [n.hypervisor_hostname, n.uuid]));
});
afterAll(async () => lab?.destroy());

const get = (path: string, v?: string) => api(token, `${P}${path}`, { headers: v ? placementAt(v) : {} });
const put = (consumer: string, body: unknown, v: string) => api(token, `${P}/allocations/${consumer}`, { method: 'PUT', body, headers: placementAt(v) });
const owner = { project_id: '4a6e2f0c9b3d4e1f8a7b6c5d4e3f2a10', user_id: 'b2c4d6e8f0a1b3c5d7e9f1a3b5c7d9e1' };

describe('catalog, versions, providers', () => {
  test("the token's catalog names a placement endpoint; GET / is its version document", async () => {
    const creds = await import('../../src/lab/index.js').then((m) => m.readCloudsYaml(lab.info.cloudsYaml));
    const r = await fetch(`${lab.info.api.authUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: creds.password } } },
          scope: { project: { name: 'admin', domain: { name: 'Default' } } },
        },
      }),
    });
    const cat = ((await r.json()) as any).token.catalog.find((c: any) => c.type === 'placement');
    expect(cat.name).toBe('placement');
    expect(cat.endpoints.find((e: any) => e.interface === 'public').url).toBe(P);
    const root = await fetch(`${P}/`);
    expect(await root.json()).toEqual({ versions: [{ id: 'v1.0', max_version: '1.39', min_version: '1.0', status: 'CURRENT', links: [{ rel: 'self', href: '' }] }] });
    expect(root.headers.get('openstack-api-version')).toBe('placement 1.0');
  });

  test('one provider per compute node: uuid = compute node uuid, name = hypervisor_hostname; ?name= filters', async () => {
    const all = await get('/resource_providers');
    expect(all.body.resource_providers.map((p: any) => [p.name, p.uuid])).toEqual(lab.info.hosts.map((h) => [h, rp[h]]));
    const one = await get('/resource_providers?name=compute2', '1.14');
    expect(one.body.resource_providers).toHaveLength(1);
    const p = one.body.resource_providers[0];
    expect(p).toMatchObject({ uuid: rp.compute2, name: 'compute2', parent_provider_uuid: null, root_provider_uuid: rp.compute2 });
    expect(p.links.map((l: any) => l.rel)).toEqual(['self', 'inventories', 'usages', 'aggregates', 'traits', 'allocations']);
    expect(Object.keys(all.body.resource_providers[0]).sort()).toEqual(['generation', 'links', 'name', 'uuid']);
    expect(all.body.resource_providers[0].links.map((l: any) => l.rel)).toEqual(['self', 'inventories', 'usages']);
    expect((await get('/resource_providers?name=nope')).body.resource_providers).toEqual([]);
    const bad = await get('/resource_providers?foo=1', '1.28');
    expect(bad.status).toBe(400);
    expect(placementMessage(bad.body)).toBe("Invalid query string parameters: Additional properties are not allowed ('foo' was unexpected)");
  });

  test('microversion errors: 406 above 1.39, 400 for a bad string; 1.15+ answers carry Last-Modified', async () => {
    const hi = await get('/resource_providers', '1.40');
    expect(hi.status).toBe(406);
    expect(hi.body.errors[0]).toMatchObject({ status: 406, title: 'Not Acceptable', max_version: '1.39', min_version: '1.0' });
    expect(hi.body.errors[0].detail).toContain('Invalid microversion: Unacceptable version header: 1.40');
    const bad = await get('/resource_providers', '1.x');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].detail).toContain('Invalid microversion: invalid version string: 1.x');
    expect(bad.body.errors[0].code).toBeUndefined();
    const r = await get('/resource_providers', '1.15');
    expect(r.headers.get('cache-control')).toBe('no-cache');
    expect(r.headers.get('last-modified')).toMatch(/GMT$/);
  });

  test('inventories and usages of a provider; 404 for an unknown one', async () => {
    const inv = await get(`/resource_providers/${rp.compute1}/inventories`);
    expect(Object.keys(inv.body.inventories)).toEqual(['VCPU', 'MEMORY_MB', 'DISK_GB']);
    expect(inv.body.inventories.MEMORY_MB).toMatchObject({ reserved: 512, min_unit: 1, step_size: 1 });
    const onHost = s.instances.filter((i) => i.host === 'compute1');
    const use = await get(`/resource_providers/${rp.compute1}/usages`);
    expect(use.body.usages.VCPU).toBe(onHost.length);
    expect(use.body.usages.MEMORY_MB).toBe(512 * onHost.length);
    const missing = '00000000-0000-4000-8000-000000000000';
    const nf = await get(`/resource_providers/${missing}/allocations`, '1.39');
    expect(nf.status).toBe(404);
    expect(nf.body.errors[0]).toMatchObject({ status: 404, title: 'Not Found', code: 'placement.undefined_code' });
    expect(placementMessage(nf.body)).toBe(`Resource provider '${missing}' not found: No resource provider with uuid ${missing} found`);
  });
});

describe('allocations of the scenario instances', () => {
  test('every instance (power-loss too) holds VCPU/MEMORY_MB (+DISK_GB unless boot-from-volume) on its host provider', async () => {
    for (const i of s.instances) {
      const r = await get(`/allocations/${i.uuid}`, '1.28');
      const bfv = s.bootFromVolumeInstances.includes(i.uuid);
      expect(r.body).toEqual({
        allocations: { [rp[i.host]]: { resources: bfv ? { VCPU: 1, MEMORY_MB: 512 } : { VCPU: 1, MEMORY_MB: 512, DISK_GB: 1 }, generation: expect.any(Number) } },
        project_id: i.projectId,
        user_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        consumer_generation: 1,
      });
    }
  });

  test('the shape per microversion: 1.0 no project, 1.12 project/user, 1.38 consumer_type', async () => {
    const id = s.instances[0].uuid;
    expect(Object.keys((await get(`/allocations/${id}`, '1.0')).body)).toEqual(['allocations']);
    expect(Object.keys((await get(`/allocations/${id}`, '1.12')).body)).toEqual(['allocations', 'project_id', 'user_id']);
    expect((await get(`/allocations/${id}`, '1.38')).body.consumer_type).toBe('unknown');
    expect((await get('/allocations/not-a-uuid', '1.39')).body).toEqual({ allocations: {} });
  });

  test('GET /resource_providers/{uuid}/allocations lists its consumers; consumer_generation from 1.28', async () => {
    const onHost = s.instances.filter((i) => i.host === 'compute2').map((i) => i.uuid).sort();
    const r = await get(`/resource_providers/${rp.compute2}/allocations`, '1.28');
    expect(Object.keys(r.body.allocations).sort()).toEqual(onHost);
    expect(r.body.allocations[onHost[0]].consumer_generation).toBe(1);
    const old = await get(`/resource_providers/${rp.compute2}/allocations`, '1.10');
    expect(Object.keys(old.body.allocations[onHost[0]])).toEqual(['resources']);
    expect(old.body.resource_provider_generation).toBe(r.body.resource_provider_generation);
  });
});

describe('PUT and DELETE /allocations/{consumer_uuid}', () => {
  test('1.28: null generation creates the consumer, a stale one is 409 concurrent_update; generations move', async () => {
    const before = (await get(`/resource_providers/${rp.compute3}`)).body.generation;
    const body = { allocations: { [rp.compute3]: { resources: { VCPU: 1, MEMORY_MB: 64 } } }, ...owner, consumer_generation: null };
    expect((await put(X, body, '1.28')).status).toBe(204);
    expect((await get(`/resource_providers/${rp.compute3}`)).body.generation).toBe(before + 1);
    const again = await put(X, body, '1.28');
    expect(again.status).toBe(409);
    expect(again.body.errors[0]).toMatchObject({ status: 409, title: 'Conflict', code: 'placement.concurrent_update' });
    expect(placementMessage(again.body)).toBe('consumer generation conflict - expected 1 but got None');
    const fresh = await put('22222222-2222-4333-8444-555555555555', { ...body, consumer_generation: 3 }, '1.28');
    expect(placementMessage(fresh.body)).toBe('consumer generation conflict - expected null but got 3');
    expect((await put(X, { ...body, consumer_generation: 1 }, '1.28')).status).toBe(204);
    expect((await get(`/allocations/${X}`, '1.28')).body.consumer_generation).toBe(2);
    const [c] = await lab.rootQuery<any[]>(`SELECT generation FROM ${placement()}.consumers WHERE uuid = ?`, [X]);
    expect(c.generation).toBe(2);
  });

  test('schema per microversion: list before 1.12, project/user from 1.8, consumer_generation from 1.28', async () => {
    const list = { allocations: [{ resource_provider: { uuid: rp.compute3 }, resources: { VCPU: 1 } }] };
    expect((await put(X, list, '1.0')).status).toBe(204);
    expect((await get(`/allocations/${X}`, '1.12')).body.project_id).toBe('00000000-0000-0000-0000-000000000000');
    const v18 = await put(X, list, '1.8');
    expect(v18.status).toBe(400);
    expect(placementMessage(v18.body)).toBe("JSON does not validate: 'project_id' is a required property");
    expect(v18.body.errors[0].code).toBeUndefined();
    const dict = { allocations: { [rp.compute3]: { resources: { VCPU: 1 } } }, ...owner };
    expect((await put(X, dict, '1.12')).status).toBe(204);
    const v128 = await put(X, dict, '1.28');
    expect(placementMessage(v128.body)).toBe("JSON does not validate: 'consumer_generation' is a required property");
    expect(v128.body.errors[0].code).toBe('placement.undefined_code');
    expect(placementMessage((await put(X, { ...dict, x: 1 }, '1.12')).body)).toBe("JSON does not validate: Additional properties are not allowed ('x' was unexpected)");
    expect(placementMessage((await put(X, { ...dict, allocations: {} }, '1.12')).body)).toBe('JSON does not validate: {} does not have enough properties');
    const zero = { ...dict, allocations: { [rp.compute3]: { resources: { VCPU: 0 } } } };
    expect(placementMessage((await put(X, zero, '1.12')).body)).toBe('JSON does not validate: 0 is less than the minimum of 1');
  });

  test('refusals: unknown provider, class without inventory, unknown class, over max_unit, malformed uuid, not JSON', async () => {
    const gen = (await get(`/allocations/${X}`, '1.28')).body.consumer_generation;
    const base = { ...owner, consumer_generation: gen };
    const missing = '00000000-0000-4000-8000-000000000000';
    const r1 = await put(X, { ...base, allocations: { [missing]: { resources: { VCPU: 1 } } } }, '1.28');
    expect([r1.status, placementMessage(r1.body)]).toEqual([400, `Allocation for resource provider '${missing}' that does not exist.`]);
    const r2 = await put(X, { ...base, allocations: { [rp.compute3]: { resources: { VGPU: 1 } } } }, '1.28');
    expect([r2.status, placementMessage(r2.body)]).toEqual([409, `Unable to allocate inventory: Inventory for 'VGPU' on resource provider '${rp.compute3}' invalid.`]);
    const r3 = await put(X, { ...base, allocations: { [rp.compute3]: { resources: { FOO: 1 } } } }, '1.28');
    expect([r3.status, placementMessage(r3.body)]).toEqual([400, `Unable to allocate inventory for consumer ${X}: No such resource class FOO.`]);
    const r4 = await put(X, { ...base, allocations: { [rp.compute3]: { resources: { VCPU: 100000 } } } }, '1.28');
    expect([r4.status, placementMessage(r4.body)]).toEqual([
      409,
      `Unable to allocate inventory: Unable to create allocation for 'VCPU' on resource provider '${rp.compute3}'. The requested amount would violate inventory constraints.`,
    ]);
    const r5 = await put('not-uuid', { ...base, allocations: {} }, '1.28');
    expect(placementMessage(r5.body)).toBe('Malformed consumer_uuid: not-uuid');
    const r6 = await fetch(`${P}/allocations/${X}`, { method: 'PUT', headers: { 'x-auth-token': token, ...placementAt('1.28') }, body: '{}' });
    expect(r6.status).toBe(415);
    // Nothing of the refused writes stuck: the consumer still holds what it held.
    expect((await get(`/allocations/${X}`, '1.28')).body.consumer_generation).toBe(gen);
  });

  test('capacity: (total - reserved) * allocation_ratio, over it is 409', async () => {
    const inv = (await get(`/resource_providers/${rp.compute3}/inventories`)).body.inventories.DISK_GB;
    const used = (await get(`/resource_providers/${rp.compute3}/usages`)).body.usages.DISK_GB;
    const room = (inv.total - inv.reserved) * inv.allocation_ratio - used;
    const gen = (await get(`/allocations/${X}`, '1.28')).body.consumer_generation;
    const big = await put('33333333-2222-4333-8444-555555555555', { ...owner, consumer_generation: null, allocations: { [rp.compute3]: { resources: { DISK_GB: Math.min(room, inv.max_unit) } } } }, '1.28');
    expect(big.status).toBe(204);
    const over = await put(X, { ...owner, consumer_generation: gen, allocations: { [rp.compute3]: { resources: { DISK_GB: 1 } } } }, '1.28');
    expect(over.status).toBe(409);
    expect(placementMessage(over.body)).toBe(
      `Unable to allocate inventory: Unable to create allocation for 'DISK_GB' on resource provider '${rp.compute3}'. The requested amount would exceed the capacity.`,
    );
    expect((await api(token, `${P}/allocations/33333333-2222-4333-8444-555555555555`, { method: 'DELETE' })).status).toBe(204);
  });

  test('moving an allocation to another provider, as failed-node --method db does, is one PUT; SQL sees it', async () => {
    const inst = s.instances.find((i) => i.host === 'compute1')!;
    const cur = (await get(`/allocations/${inst.uuid}`, '1.28')).body;
    const resources = cur.allocations[rp.compute1].resources;
    const r = await put(inst.uuid, { allocations: { [rp.compute2]: { resources } }, project_id: cur.project_id, user_id: cur.user_id, consumer_generation: cur.consumer_generation }, '1.28');
    expect(r.status).toBe(204);
    const rows = await lab.rootQuery<any[]>(
      `SELECT rp.name, a.resource_class_id, a.used FROM ${placement()}.allocations a JOIN ${placement()}.resource_providers rp ON rp.id = a.resource_provider_id
       WHERE a.consumer_id = ? ORDER BY a.resource_class_id`,
      [inst.uuid],
    );
    expect(rows.map((x) => x.name)).toEqual(rows.map(() => 'compute2'));
    expect(rows.map((x) => x.resource_class_id)).toEqual(Object.keys(resources).map((_, k) => k));
  });

  test('an allocation written in SQL is what the API shows (SQL and API meet)', async () => {
    const inst = s.instances.find((i) => i.host === 'compute3')!;
    await lab.rootQuery(`UPDATE ${placement()}.allocations SET used = 2 WHERE consumer_id = ? AND resource_class_id = 0`, [inst.uuid]);
    expect((await get(`/allocations/${inst.uuid}`)).body.allocations[rp.compute3].resources.VCPU).toBe(2);
  });

  test('1.28: empty allocations remove them and the consumer; DELETE is 204 then 404', async () => {
    const gen = (await get(`/allocations/${X}`, '1.28')).body.consumer_generation;
    expect((await put(X, { allocations: {}, ...owner, consumer_generation: gen }, '1.28')).status).toBe(204);
    expect((await get(`/allocations/${X}`, '1.28')).body).toEqual({ allocations: {} });
    expect(await lab.rootQuery<any[]>(`SELECT id FROM ${placement()}.consumers WHERE uuid = ?`, [X])).toEqual([]);
    const inst = s.instances[1].uuid;
    expect((await api(token, `${P}/allocations/${inst}`, { method: 'DELETE' })).status).toBe(204);
    const again = await api(token, `${P}/allocations/${inst}`, { method: 'DELETE', headers: placementAt('1.28') });
    expect(again.status).toBe(404);
    expect(placementMessage(again.body)).toBe(`No allocations for consumer '${inst}'`);
  });

  test('401 without a token; 405 with Allow for a method the resource does not take', async () => {
    const r = await fetch(`${P}/resource_providers`);
    expect(r.status).toBe(401);
    const m = await api(token, `${P}/allocations/${X}`, { method: 'POST', body: {}, headers: placementAt('1.28') });
    expect(m.status).toBe(405);
    expect(m.headers.get('allow')).toBe('GET, PUT, DELETE');
  });
});
