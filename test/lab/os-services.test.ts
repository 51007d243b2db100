// GET/PUT /os-services per microversion; expected answers are a real Zed deployment's.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestLab, labToken, type TestLab } from '../support/lab.js';
import { api, novaAt, waitFor } from './api-helpers.js';

let lab: TestLab;
let token: string;
let compute: string;
const nova = () => `\`${lab.info.db.schemas.nova}\``;

beforeAll(async () => {
  lab = await createTestLab({ settings: { serviceDownTimeMs: 2500, reportIntervalMs: 200 } });
  await lab.scenario('power-loss', { instances: 6, volumes: 4 });
  ({ token, compute } = await labToken(lab.info));
});
afterAll(async () => lab?.destroy());

const list = (version?: string, query = '') => api(token, `${compute}/os-services${query}`, { headers: version ? novaAt(version) : {} });
const put = (id: string, body: unknown, version = '2.53') => api(token, `${compute}/os-services/${id}`, { method: 'PUT', body, headers: novaAt(version) });
async function serviceRow(host: string) {
  const [r] = await lab.rootQuery<any[]>(
    `SELECT id, uuid, forced_down, disabled, disabled_reason, last_seen_up, updated_at FROM ${nova()}.services WHERE host = ? AND \`binary\` = 'nova-compute'`,
    [host],
  );
  return r;
}

describe('GET /os-services', () => {
  test('2.1: integer ids, no forced_down, Nova time format, the version headers', async () => {
    const r = await list();
    expect(r.status).toBe(200);
    expect(r.headers.get('openstack-api-version')).toBe('compute 2.1');
    expect(r.headers.get('x-openstack-nova-api-version')).toBe('2.1');
    const c1 = r.body.services.find((s: any) => s.host === 'compute1');
    expect(Object.keys(c1)).toEqual(['binary', 'host', 'id', 'zone', 'status', 'state', 'updated_at', 'disabled_reason']);
    expect(c1).toMatchObject({ binary: 'nova-compute', id: 1, zone: 'nova', status: 'enabled', state: 'up', disabled_reason: null });
    expect(c1.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000$/);
    expect(r.body.services.map((s: any) => [s.binary, s.zone])).toContainEqual(['nova-scheduler', 'internal']);
  });

  test('2.11 adds forced_down; 2.53 shows the uuid as id; host and binary filter', async () => {
    expect((await list('2.11', '?host=compute2')).body.services).toEqual([expect.objectContaining({ id: 2, host: 'compute2', forced_down: false })]);
    const r = await list('2.53', '?binary=nova-compute');
    const row = await serviceRow('compute2');
    expect(r.body.services.find((s: any) => s.host === 'compute2').id).toBe(row.uuid);
    expect(r.body.services.map((s: any) => s.host)).toEqual(['compute1', 'compute2', 'compute3']);
  });

  test('2.75 refuses unknown query parameters; 2.74 ignores them', async () => {
    const r = await list('2.75', '?foo=1');
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ badRequest: { code: 400, message: "Additional properties are not allowed ('foo' was unexpected)" } });
    expect((await list('2.74', '?foo=1')).status).toBe(200);
  });

  test('a powered-off host goes down once service_down_time passed since its last heartbeat, and up again when powered on', async () => {
    await fetch(`${lab.info.api.url}/_lab/hosts/compute3/power`, { method: 'POST', body: JSON.stringify({ on: false }) });
    const state = async () => (await list('2.11', '?host=compute3')).body.services[0].state;
    expect(await state()).toBe('up');
    const t0 = Date.now();
    await waitFor(state, (s) => s === 'down', 8000);
    expect(Date.now() - t0).toBeGreaterThan(100);
    await fetch(`${lab.info.api.url}/_lab/hosts/compute3/power`, { method: 'POST', body: JSON.stringify({ on: true }) });
    expect(await state()).toBe('up');
  });
});

describe('PUT /os-services', () => {
  test('2.53: forced_down true by uuid; the row keeps its last heartbeat; state down at once', async () => {
    const before = await serviceRow('compute1');
    const r = await put(before.uuid, { forced_down: true });
    expect(r.status).toBe(200);
    expect(r.body.service).toMatchObject({ binary: 'nova-compute', host: 'compute1', id: before.uuid, state: 'down', forced_down: true, status: 'enabled' });
    const after = await serviceRow('compute1');
    expect(after.forced_down).toBe(1);
    // The heartbeat keeps coming (Nova reports whether forced down or not), and still it reads down.
    await new Promise((res) => setTimeout(res, 400));
    expect((await serviceRow('compute1')).last_seen_up.getTime()).toBeGreaterThanOrEqual(before.last_seen_up.getTime());
    expect((await list('2.11', '?host=compute1')).body.services[0]).toMatchObject({ state: 'down', forced_down: true });
    // Setting it again is still an update (Nova counts the field as changed).
    expect((await put(before.uuid, { forced_down: true })).status).toBe(200);
    const back = await put(before.uuid, { forced_down: 'false' });
    expect(back.body.service).toMatchObject({ state: 'up', forced_down: false });
  });

  test('2.53: disable with a reason, enable; the refusals with their real texts', async () => {
    const c2 = await serviceRow('compute2');
    const d = await put(c2.uuid, { status: 'disabled', disabled_reason: 'maintenance' });
    expect(d.body.service).toMatchObject({ status: 'disabled', disabled_reason: 'maintenance' });
    expect((await put(c2.uuid, { status: 'enabled', disabled_reason: 'x' })).body.badRequest.message).toBe(
      "Specifying 'disabled_reason' with status 'enabled' is invalid.",
    );
    expect((await put(c2.uuid, { status: 'enabled' })).body.service).toMatchObject({ status: 'enabled', disabled_reason: null });
    expect((await put(c2.uuid, {})).body.badRequest.message).toBe("No updates were requested. Fields 'status' or 'forced_down' should be specified.");
    expect((await put(c2.uuid, { forced_down: 'maybe' })).body.badRequest.message).toBe(
      "Invalid input for field/attribute forced_down. Value: maybe. 'maybe' is not one of [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']",
    );
    expect((await put(c2.uuid, { forced_down: false, host: 'x' })).body.badRequest.message).toBe("Additional properties are not allowed ('host' was unexpected)");
    expect((await put('force-down', { forced_down: false })).body).toEqual({ badRequest: { code: 400, message: 'Invalid uuid force-down' } });
    const missing = '00000000-0000-4000-8000-000000000000';
    expect((await put(missing, { forced_down: false })).body).toEqual({ itemNotFound: { code: 404, message: `Service ${missing} could not be found.` } });
    const [sched] = await lab.rootQuery<any[]>(`SELECT uuid FROM ${nova()}.services WHERE \`binary\` = 'nova-scheduler'`);
    expect((await put(sched.uuid, { forced_down: false })).body.badRequest.message).toBe(
      'Updating a nova-scheduler service is not supported. Only nova-compute services can be updated.',
    );
  });

  test('2.11-2.52: PUT /os-services/force-down with host and binary', async () => {
    const r = await put('force-down', { host: 'compute2', binary: 'nova-compute', forced_down: true }, '2.11');
    expect(r).toMatchObject({ status: 200, body: { service: { host: 'compute2', binary: 'nova-compute', forced_down: true } } });
    expect((await serviceRow('compute2')).forced_down).toBe(1);
    expect((await put('force-down', { host: 'compute2', binary: 'nova-compute', forced_down: false }, '2.52')).status).toBe(200);
    expect((await put('force-down', { host: 'compute2', binary: 'nova-compute' }, '2.11')).body.badRequest.message).toBe('Missing forced_down field');
    expect((await put('force-down', { host: 'computeX', binary: 'nova-compute', forced_down: true }, '2.11')).body).toEqual({
      itemNotFound: { code: 404, message: "Host 'computeX' is not mapped to any cell" },
    });
    const row = await serviceRow('compute2');
    expect((await put(row.uuid, { host: 'compute2', binary: 'nova-compute' }, '2.11')).body).toEqual({
      itemNotFound: { code: 404, message: 'Unknown action' },
    });
    expect((await put(row.uuid, { forced_down: false }, '2.52')).body.badRequest.message).toBe("'host' is a required property");
  });

  test('before 2.11 there is no force-down: forced_down is not in the body schema', async () => {
    const r = await put('force-down', { host: 'compute2', binary: 'nova-compute', forced_down: true }, '2.10');
    expect(r.body).toEqual({ badRequest: { code: 400, message: "Additional properties are not allowed ('forced_down' was unexpected)" } });
    const d = await put('disable', { host: 'compute2', binary: 'nova-compute' }, '2.1');
    expect(d.body).toEqual({ service: { host: 'compute2', binary: 'nova-compute', status: 'disabled' } });
    const e = await put('enable', { host: 'compute2', binary: 'nova-compute' }, '2.1');
    expect(e.body.service.status).toBe('enabled');
  });
});
