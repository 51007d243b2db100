// Evacuate against the failed-node scenario, over HTTP. The expected texts, codes and state
// sequences are those a real Zed deployment gave (shared/realstack).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyScenario, hostPaths, type FailedNodeSummary } from '../../src/lab/index.js';
import { createTestLab, labToken, type TestLab } from '../support/lab.js';
import { api, novaAt, placementAt, waitFor } from './api-helpers.js';

let lab: TestLab;
let token: string;
let compute: string;
let placementUrl: string;
const nova = () => `\`${lab.info.db.schemas.nova}\``;
const cinder = () => `\`${lab.info.db.schemas.cinder}\``;

beforeAll(async () => {
  lab = await createTestLab({ settings: { serviceDownTimeMs: 2500, reportIntervalMs: 200, evacuateMs: 300 } });
  ({ token, compute } = await labToken(lab.info));
  placementUrl = `${lab.info.api.url}/placement`;
});
afterAll(async () => lab?.destroy());

const evacuate = (id: string, body: unknown, version = '2.29') =>
  api(token, `${compute}/servers/${id}/action`, { method: 'POST', body: { evacuate: body }, headers: novaAt(version) });
const server = async (id: string) => (await api(token, `${compute}/servers/${id}`)).body?.server;
const allocations = async (id: string) =>
  Object.fromEntries(
    Object.entries((await api(token, `${placementUrl}/allocations/${id}`, { headers: placementAt('1.28') })).body.allocations).map(
      ([rp, a]: [string, any]) => [rp, a.resources],
    ),
  );
const migrations = (id: string) =>
  lab.rootQuery<any[]>(
    `SELECT status, source_compute, source_node, dest_compute, dest_node, dest_host, migration_type, hidden, cross_cell_move, uuid, user_id, project_id
     FROM ${nova()}.migrations WHERE instance_uuid = ? AND deleted = 0 ORDER BY id`,
    [id],
  );

/** Polls the instance row until it leaves the evacuation; returns the distinct (vm, task, power, host) it went through. */
async function trace(id: string, timeoutMs = 4000): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [r] = await lab.rootQuery<any[]>(`SELECT vm_state, task_state, power_state, host FROM ${nova()}.instances WHERE uuid = ?`, [id]);
    const [m] = await lab.rootQuery<any[]>(`SELECT status FROM ${nova()}.migrations WHERE instance_uuid = ? ORDER BY id DESC LIMIT 1`, [id]);
    const line = `${r.vm_state} ${r.task_state ?? 'NULL'} ${r.power_state} ${r.host} mig=${m?.status ?? '-'}`;
    if (seen.at(-1) !== line) seen.push(line);
    // Nova ends a migration and clears the instance's task in two separate writes (as the
    // simulator does): the trace ends once both happened, not between them.
    if (m && ['done', 'error', 'failed'].includes(m.status) && r.task_state === null) return seen;
    if (Date.now() > deadline) return seen;
    await new Promise((res) => setTimeout(res, 5));
  }
}

describe('evacuate: refusals', () => {
  let s: FailedNodeSummary;
  beforeAll(async () => {
    s = await applyScenario(lab.info, 'failed-node', { instances: 6, volumes: 4, seed: 21 });
  });

  test('400 while the source nova-compute still reads up (its heartbeat is younger than service_down_time)', async () => {
    const id = s.byKind.image[0];
    const r = await evacuate(id, { host: 'compute2' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ badRequest: { code: 400, message: 'Compute service of compute1 is still in use.' } });
    expect(r.headers.get('openstack-api-version')).toBe('compute 2.29');
    expect((await server(id))['OS-EXT-STS:task_state']).toBeNull();
    expect(await migrations(id)).toEqual([]);
  });

  test('unknown host 404, same host 400, force without host 400, and the body rules per microversion', async () => {
    const id = s.byKind.image[0];
    expect((await evacuate(id, { host: 'computeX' })).body).toEqual({ itemNotFound: { code: 404, message: 'Compute host computeX not found.' } });
    expect((await evacuate(id, { host: 'compute1' })).body).toEqual({ badRequest: { code: 400, message: "The target host can't be the same one." } });
    expect((await evacuate(id, { force: true })).body).toEqual({ badRequest: { code: 400, message: "Can't force to a non-provided destination" } });
    expect((await evacuate(id, { onSharedStorage: false })).body.badRequest.message).toBe(
      "Invalid input for field/attribute evacuate. Value: {'onSharedStorage': False}. Additional properties are not allowed ('onSharedStorage' was unexpected)",
    );
    expect((await evacuate(id, {}, '2.1')).body.badRequest.message).toBe(
      "Invalid input for field/attribute evacuate. Value: {}. 'onSharedStorage' is a required property",
    );
    expect((await evacuate(id, { host: 'compute2', force: true }, '2.68')).body.badRequest.message).toBe(
      "Invalid input for field/attribute evacuate. Value: {'host': 'compute2', 'force': True}. Additional properties are not allowed ('force' was unexpected)",
    );
    const missing = '00000000-0000-4000-8000-000000000000';
    expect((await evacuate(missing, {})).body).toEqual({ itemNotFound: { code: 404, message: `Instance ${missing} could not be found.` } });
  });

  test('409 for a vm_state outside active/stopped/error, checked before the service', async () => {
    const id = s.byKind.image[1];
    await lab.rootQuery(`UPDATE ${nova()}.instances SET vm_state = 'building' WHERE uuid = ?`, [id]);
    const r = await evacuate(id, { host: 'compute2' });
    expect(r.status).toBe(409);
    expect(r.body).toEqual({ conflictingRequest: { code: 409, message: `Cannot 'evacuate' instance ${id} while it is in vm_state building` } });
    await lab.rootQuery(`UPDATE ${nova()}.instances SET vm_state = 'active' WHERE uuid = ?`, [id]);
  });

  test('more body texts: adminPass type, force boolean, adminPass on shared storage before 2.14, evacuate not an object', async () => {
    const id = s.byKind.image[0];
    expect((await evacuate(id, { host: 'compute2', adminPass: 5 })).body.badRequest.message).toBe(
      "Invalid input for field/attribute adminPass. Value: 5. 5 is not of type 'string'",
    );
    expect((await evacuate(id, { host: 'compute2', force: 'maybe' })).body.badRequest.message).toBe(
      "Invalid input for field/attribute force. Value: maybe. 'maybe' is not one of [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']",
    );
    expect((await evacuate(id, { host: 'compute2', onSharedStorage: true, adminPass: 'x' }, '2.1')).body.badRequest.message).toBe(
      "admin password can't be changed on existing disk",
    );
    expect((await evacuate(id, 'x')).body.badRequest.message).toBe("Invalid input for field/attribute evacuate. Value: x. 'x' is not of type 'object'");
  });

  test('microversions: 2.94 is 406, a bad string 400, latest is 2.93', async () => {
    const bad = await api(token, `${compute}/os-services`, { headers: novaAt('2.94') });
    expect(bad.status).toBe(406);
    expect(bad.body).toEqual({ computeFault: { code: 406, message: 'Version 2.94 is not supported by the API. Minimum is 2.1 and maximum is 2.93.' } });
    const junk = await api(token, `${compute}/os-services`, { headers: novaAt('2.x') });
    expect(junk.body).toEqual({ badRequest: { code: 400, message: 'API Version String 2.x is of invalid format. Must be of format MajorNum.MinorNum.' } });
    const latest = await api(token, `${compute}/os-services`, { headers: { 'X-OpenStack-Nova-API-Version': 'latest' } });
    expect(latest.headers.get('x-openstack-nova-api-version')).toBe('2.93');
  });
});

describe('evacuate: accepted once the source is down', () => {
  let s: FailedNodeSummary;
  beforeAll(async () => {
    // The failed host's last heartbeat was two minutes ago: its service reads down already.
    s = await applyScenario(lab.info, 'failed-node', { instances: 8, volumes: 6, seed: 22, heartbeatAgeSeconds: 120 });
  });

  test('image-backed with data volumes, to a named host: the real state sequence, a migration, moved attachments', async () => {
    const inst = s.instances.find((i) => i.kind === 'image-with-volumes')!;
    const r = await evacuate(inst.uuid, { host: 'compute2' });
    expect(r.status).toBe(200);
    expect(r.body).toBeUndefined();
    const seen = await trace(inst.uuid);
    expect(seen[0]).toMatch(/^active rebuilding 1 compute1 mig=(accepted|pre-migrating)$/);
    expect(seen).toContain('active rebuilding 0 compute1 mig=pre-migrating');
    expect(seen).toContain('active rebuild_block_device_mapping 0 compute1 mig=pre-migrating');
    expect(seen).toContain('active rebuild_spawning 0 compute1 mig=pre-migrating');
    expect(seen.at(-1)).toBe('active NULL 1 compute2 mig=done');

    const srv = await server(inst.uuid);
    expect(srv.status).toBe('ACTIVE');
    expect(srv['OS-EXT-SRV-ATTR:host']).toBe('compute2');
    expect(srv['OS-EXT-SRV-ATTR:hypervisor_hostname']).toBe('compute2');
    const [mig] = await migrations(inst.uuid);
    expect(mig).toMatchObject({
      status: 'done',
      source_compute: 'compute1',
      source_node: 'compute1',
      dest_compute: 'compute2',
      dest_node: 'compute2',
      dest_host: '127.0.0.12',
      migration_type: 'evacuation',
      hidden: 0,
      cross_cell_move: 0,
    });
    expect(mig.uuid).toMatch(/^[0-9a-f-]{36}$/);

    // Each volume: the old attachment deleted, a new one on compute2 at the same mount point, the BDM pointing at it.
    for (const v of inst.volumes) {
      const atts = await lab.rootQuery<any[]>(
        `SELECT id, attached_host, mountpoint, attach_status, deleted FROM ${cinder()}.volume_attachment WHERE volume_id = ? ORDER BY deleted`,
        [v.id],
      );
      expect(atts).toHaveLength(2);
      expect(atts[0]).toMatchObject({ attached_host: 'compute2', mountpoint: v.device, attach_status: 'attached', deleted: 0 });
      expect(atts[1]).toMatchObject({ id: v.attachmentId, attached_host: 'compute1', attach_status: 'detached', deleted: 1 });
      const [bdm] = await lab.rootQuery<any[]>(`SELECT attachment_id FROM ${nova()}.block_device_mapping WHERE volume_id = ? AND deleted = 0`, [v.id]);
      expect(bdm.attachment_id).toBe(atts[0].id);
      const [vol] = await lab.rootQuery<any[]>(`SELECT status, attach_status FROM ${cinder()}.volumes WHERE id = ?`, [v.id]);
      expect(vol).toEqual({ status: 'in-use', attach_status: 'attached' });
    }
    const sessions = await readFile(hostPaths(lab.info.dir, 'compute2').sessions, 'utf8');
    for (const v of inst.volumes) expect(sessions).toContain(`iqn.2010-10.org.openstack:volume-${v.id}`);

    // Allocations on both providers until the source compute starts again.
    expect(await allocations(inst.uuid)).toEqual({ [s.providers.compute1]: inst.allocations[s.providers.compute1], [s.providers.compute2]: inst.allocations[s.providers.compute1] });

    // Image-backed without shared storage: rebuilt from its image on the new host.
    const disk = await readFile(path.join(hostPaths(lab.info.dir, 'compute2').instancesDir, inst.uuid, 'disk'), 'utf8');
    expect(disk).toMatch(/^rebuilt from image /);

    // Instance action 'evacuate' with the conductor's and the compute's events (the event ends just after the migration).
    await new Promise((r) => setTimeout(r, 50));
    const actions = await api(token, `${compute}/servers/${inst.uuid}/os-instance-actions`);
    expect(actions.body.instanceActions[0]).toMatchObject({ action: 'evacuate', message: null });
    const events = await lab.rootQuery<any[]>(
      `SELECT e.event, e.result, e.host FROM ${nova()}.instance_actions_events e JOIN ${nova()}.instance_actions a ON a.id = e.action_id
       WHERE a.instance_uuid = ? AND a.action = 'evacuate' ORDER BY e.id`,
      [inst.uuid],
    );
    expect(events).toEqual([
      { event: 'rebuild_server', result: 'Success', host: 'controller' },
      { event: 'compute_rebuild_instance', result: 'Success', host: 'compute2' },
    ]);
  });

  test('boot-from-volume at 2.1: adminPass in the answer, its boot volume re-attached, no rebuilt disk', async () => {
    const inst = s.instances.find((i) => i.kind === 'boot-from-volume')!;
    const r = await evacuate(inst.uuid, { host: 'compute3', onSharedStorage: false }, '2.1');
    expect(r.status).toBe(200);
    expect(r.body.adminPass).toMatch(/^[A-Za-z0-9]{12}$/);
    await trace(inst.uuid);
    const srv = await server(inst.uuid);
    expect([srv.status, srv['OS-EXT-SRV-ATTR:host']]).toEqual(['ACTIVE', 'compute3']);
    const boot = inst.volumes.find((v) => v.bootIndex === 0)!;
    const [att] = await lab.rootQuery<any[]>(
      `SELECT attached_host, mountpoint FROM ${cinder()}.volume_attachment WHERE volume_id = ? AND deleted = 0`,
      [boot.id],
    );
    expect(att).toEqual({ attached_host: 'compute3', mountpoint: '/dev/vda' });
    expect(existsSync(path.join(hostPaths(lab.info.dir, 'compute3').instancesDir, inst.uuid, 'disk'))).toBe(false);
    expect(Object.keys(await allocations(inst.uuid)).sort()).toEqual([s.providers.compute1, s.providers.compute3].sort());
  });

  test('no host: the scheduler picks an up, enabled compute; a stopped instance comes back stopped', async () => {
    const stopped = s.instances.find((i) => i.vmState === 'stopped')!;
    expect((await evacuate(stopped.uuid, {}, '2.14')).status).toBe(200);
    const seen = await trace(stopped.uuid);
    expect(seen[0]).toMatch(/^stopped rebuilding 4 compute1/);
    const srv = await server(stopped.uuid);
    expect(srv.status).toBe('SHUTOFF');
    expect(srv['OS-EXT-STS:power_state']).toBe(4);
    expect(['compute2', 'compute3']).toContain(srv['OS-EXT-SRV-ATTR:host']);
    const [mig] = await migrations(stopped.uuid);
    expect(mig.dest_compute).toBe(srv['OS-EXT-SRV-ATTR:host']);
  });

  test('a target that is down: the scheduler finds no valid host (migration error, task cleared, vm_state kept)', async () => {
    const inst = s.byKind.image[0];
    await api(token, `${compute}/os-services/${(await svcUuid('compute2'))}`, { method: 'PUT', body: { status: 'disabled' }, headers: novaAt('2.53') });
    await api(token, `${compute}/os-services/${(await svcUuid('compute3'))}`, { method: 'PUT', body: { forced_down: true }, headers: novaAt('2.53') });
    try {
      expect((await evacuate(inst, {})).status).toBe(200);
      const seen = await trace(inst);
      expect(seen.at(-1)).toBe('active NULL 1 compute1 mig=error');
      const events = await waitFor(
        () =>
          lab.rootQuery<any[]>(
            `SELECT e.event, e.result FROM ${nova()}.instance_actions_events e JOIN ${nova()}.instance_actions a ON a.id = e.action_id WHERE a.instance_uuid = ?`,
            [inst],
          ),
        (ev) => ev.every((e) => e.result !== null),
      );
      expect(events).toEqual([{ event: 'rebuild_server', result: 'Error' }]);
      const [a] = await lab.rootQuery<any[]>(`SELECT message FROM ${nova()}.instance_actions WHERE instance_uuid = ? AND action = 'evacuate'`, [inst]);
      expect(a.message).toBe('Error');
      expect(Object.keys(await allocations(inst))).toEqual([s.providers.compute1]);
    } finally {
      await api(token, `${compute}/os-services/${(await svcUuid('compute2'))}`, { method: 'PUT', body: { status: 'enabled' }, headers: novaAt('2.53') });
      await api(token, `${compute}/os-services/${(await svcUuid('compute3'))}`, { method: 'PUT', body: { forced_down: false }, headers: novaAt('2.53') });
    }
  });

  test('a destination whose host is powered off never finishes: stuck in rebuilding, migration accepted', async () => {
    const inst = s.byKind.image[1];
    await lab.setSettings({ reportIntervalMs: 200 });
    await fetch(`${lab.info.api.url}/_lab/hosts/compute3/power`, { method: 'POST', body: JSON.stringify({ on: false }) });
    try {
      // Forced to compute3 (2.29 force=true): no scheduler, the conductor claims and casts to a dead compute.
      expect((await evacuate(inst, { host: 'compute3', force: true })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 700));
      const srv = await server(inst);
      expect([srv.status, srv['OS-EXT-STS:task_state'], srv['OS-EXT-SRV-ATTR:host']]).toEqual(['REBUILD', 'rebuilding', 'compute1']);
      const [mig] = await migrations(inst);
      expect([mig.status, mig.dest_compute]).toEqual(['accepted', 'compute3']);
    } finally {
      await fetch(`${lab.info.api.url}/_lab/hosts/compute3/power`, { method: 'POST', body: JSON.stringify({ on: true }) });
    }
  });

  test('the task_state is not checked (as in Zed): an instance in rebooting_hard is evacuated all the same', async () => {
    const inst = s.byKind.image[2];
    await lab.rootQuery(`UPDATE ${nova()}.instances SET task_state = 'rebooting_hard' WHERE uuid = ?`, [inst]);
    expect((await evacuate(inst, { host: 'compute2' })).status).toBe(200);
    expect((await trace(inst)).at(-1)).toBe('active NULL 1 compute2 mig=done');
  });

  test('evacuations are counted per server', async () => {
    const st = await lab.stats();
    expect(st.evacuationsByServer[s.byKind['boot-from-volume'][0]]).toBe(1);
    expect(st.requests['POST compute /servers/{id}/action:evacuate']).toBeGreaterThanOrEqual(5);
  });
});

async function svcUuid(host: string): Promise<string> {
  const r = await api(token, `${compute}/os-services?host=${host}&binary=nova-compute`, { headers: novaAt('2.53') });
  return r.body.services[0].id;
}

describe('evacuate: forced down, the source comes back', () => {
  let s: FailedNodeSummary;
  beforeAll(async () => {
    s = await applyScenario(lab.info, 'failed-node', { instances: 4, volumes: 2, seed: 23, sharedStorage: true });
  });

  test('forced down at once (PUT 2.53), evacuate keeps the disk on shared storage', async () => {
    const put = await api(token, `${compute}/os-services/${s.failedService.uuid}`, { method: 'PUT', body: { forced_down: true }, headers: novaAt('2.53') });
    expect(put.status).toBe(200);
    expect(put.body.service).toMatchObject({ host: 'compute1', id: s.failedService.uuid, state: 'down', forced_down: true });
    const inst = s.byKind.image[0];
    const before = await readFile(path.join(hostPaths(lab.info.dir, 'compute2').instancesDir, inst, 'disk'), 'utf8');
    expect((await evacuate(inst, { host: 'compute2' })).status).toBe(200);
    expect((await trace(inst)).at(-1)).toBe('active NULL 1 compute2 mig=done');
    expect(await readFile(path.join(hostPaths(lab.info.dir, 'compute2').instancesDir, inst, 'disk'), 'utf8')).toBe(before);
  });

  test('force-up is refused while a done evacuation remains; the source starting again completes it and frees its allocation', async () => {
    const inst = s.byKind.image[0];
    const refused = await api(token, `${compute}/os-services/${s.failedService.uuid}`, { method: 'PUT', body: { forced_down: false }, headers: novaAt('2.53') });
    expect(refused.status).toBe(400);
    expect(refused.body.badRequest.message).toBe(
      'Unable to force up host compute1 as `done` evacuation migration records remain associated with the host. Ensure the compute service has been restarted, allowing these records to move to `completed` before retrying this request.',
    );
    expect(Object.keys(await allocations(inst)).sort()).toEqual([s.providers.compute1, s.providers.compute2].sort());

    const on = await fetch(`${lab.info.api.url}/_lab/hosts/compute1/power`, { method: 'POST', body: JSON.stringify({ on: true }) });
    expect(on.status).toBe(200);
    expect((await migrations(inst))[0].status).toBe('completed');
    expect(Object.keys(await allocations(inst))).toEqual([s.providers.compute2]);
    // Forced down still reads down while it heartbeats again; now it may be forced up.
    const svc = await api(token, `${compute}/os-services?host=compute1`, { headers: novaAt('2.11') });
    expect(svc.body.services[0]).toMatchObject({ state: 'down', forced_down: true });
    const up = await api(token, `${compute}/os-services/${s.failedService.uuid}`, { method: 'PUT', body: { forced_down: false }, headers: novaAt('2.53') });
    expect(up.status).toBe(200);
    expect(up.body.service).toMatchObject({ state: 'up', forced_down: false });
  });
});
