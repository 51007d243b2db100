// The stuck-instance scenario, and what reset-state works with: os-resetState and DELETE, as a real
// Zed deployment answers them.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyScenario, hostPaths, labPaths, type StuckInstanceSummary } from '../../src/lab/index.js';
import { createTestLab, labToken, type TestLab } from '../support/lab.js';
import { api, placementAt, waitFor } from './api-helpers.js';

let lab: TestLab;
let token: string;
let compute: string;
let s: StuckInstanceSummary;
const nova = () => `\`${lab.info.db.schemas.nova}\``;
const cinder = () => `\`${lab.info.db.schemas.cinder}\``;

beforeAll(async () => {
  lab = await createTestLab({ settings: { deleteMs: 150, serviceDownTimeMs: 2500, reportIntervalMs: 200 } });
  s = await applyScenario(lab.info, 'stuck-instance', { instances: 12, volumes: 3, seed: 5 });
  ({ token, compute } = await labToken(lab.info));
});
afterAll(async () => lab?.destroy());

const server = (id: string) => api(token, `${compute}/servers/${id}`);
const action = (id: string, body: unknown) => api(token, `${compute}/servers/${id}/action`, { method: 'POST', body });
const del = (id: string) => api(token, `${compute}/servers/${id}`, { method: 'DELETE' });
const byState = (task: string, age: number) => s.instances.find((i) => i.taskState === task && i.ageSeconds === age)!;

describe('stuck-instance scenario', () => {
  test('every stuck task_state at every age, healthy ones beside them; the summary is scenario.json', async () => {
    expect(s.counts).toEqual({ instances: 12, volumes: 3, stuck: 9, healthy: 3 });
    for (const task of ['deleting', 'reboot_started_hard', 'migrating']) {
      expect(s.instances.filter((i) => i.taskState === task).map((i) => i.ageSeconds).sort((a, b) => a - b)).toEqual([300, 2700, 10_800]);
      expect(s.byTaskState[task]).toHaveLength(3);
    }
    expect(s.healthy.every((id) => s.instances.find((i) => i.uuid === id)!.taskState === null)).toBe(true);
    expect(JSON.parse(await readFile(labPaths(lab.info.dir).scenarioJson, 'utf8'))).toEqual(s);
  });

  test('the DB holds the task_states and updated_at ages; the API shows the statuses', async () => {
    const rows = await lab.rootQuery<any[]>(
      `SELECT uuid, vm_state, task_state, TIMESTAMPDIFF(SECOND, updated_at, ?) AS age FROM ${nova()}.instances`,
      [new Date(s.writtenAt)],
    );
    for (const i of s.instances) {
      const r = rows.find((x) => x.uuid === i.uuid);
      expect([r.vm_state, r.task_state, Number(r.age)]).toEqual([i.vmState, i.taskState, i.ageSeconds]);
      expect(new Date(i.updatedAt).getTime()).toBe(new Date(s.writtenAt).getTime() - i.ageSeconds * 1000);
    }
    const statuses = Object.fromEntries(s.instances.map((i) => [i.uuid, i.status]));
    const list = await api(token, `${compute}/servers/detail?all_tenants=1`);
    for (const x of list.body.servers) expect(x.status).toBe(statuses[x.id]);
    expect(new Set(Object.values(statuses))).toEqual(new Set(['ACTIVE', 'HARD_REBOOT', 'MIGRATING']));
    // The batch form's query: stuck longer than an hour.
    const old = await lab.rootQuery<any[]>(
      `SELECT uuid FROM ${nova()}.instances WHERE task_state IS NOT NULL AND updated_at < ? - INTERVAL 1 HOUR AND deleted = 0`,
      [new Date(s.writtenAt)],
    );
    expect(old.map((r) => r.uuid).sort()).toEqual(s.instances.filter((i) => i.stuck && i.ageSeconds > 3600).map((i) => i.uuid).sort());
  });

  test('stuck instances have their allocations and volumes; every host is up', async () => {
    for (const i of s.instances) {
      const a = await api(token, `${lab.info.api.url}/placement/allocations/${i.uuid}`, { headers: placementAt('1.28') });
      expect(Object.keys(a.body.allocations)).toHaveLength(1);
    }
    expect(s.instances.flatMap((i) => i.volumes)).toHaveLength(3);
    const svc = await api(token, `${compute}/os-services?binary=nova-compute`);
    expect(svc.body.services.every((x: any) => x.state === 'up')).toBe(true);
  });
});

describe('os-resetState', () => {
  test("state error: vm_state error, task_state cleared, an instance action 'resetState' finished at once", async () => {
    const i = byState('migrating', 300);
    const r = await action(i.uuid, { 'os-resetState': { state: 'error' } });
    expect(r.status).toBe(202);
    expect(r.body).toBeUndefined();
    const srv = (await server(i.uuid)).body.server;
    expect([srv.status, srv['OS-EXT-STS:vm_state'], srv['OS-EXT-STS:task_state'], srv['OS-EXT-STS:power_state']]).toEqual(['ERROR', 'error', null, 1]);
    const [a] = await lab.rootQuery<any[]>(
      `SELECT action, start_time, finish_time FROM ${nova()}.instance_actions WHERE instance_uuid = ? AND action = 'resetState'`,
      [i.uuid],
    );
    expect(a.finish_time).not.toBeNull();
    const list = await api(token, `${compute}/servers/${i.uuid}/os-instance-actions`);
    expect(list.body.instanceActions[0].action).toBe('resetState');
    expect(Object.keys(list.body.instanceActions[0])).not.toContain('updated_at');
  });

  test('state active clears a stuck reboot so a hard reboot is accepted again (409 before)', async () => {
    const i = byState('reboot_started_hard', 2700);
    const before = await action(i.uuid, { reboot: { type: 'HARD' } });
    expect(before.status).toBe(409);
    expect(before.body.conflictingRequest.message).toBe(`Cannot 'reboot' instance ${i.uuid} while it is in task_state reboot_started_hard`);
    expect((await action(i.uuid, { 'os-resetState': { state: 'active' } })).status).toBe(202);
    expect((await action(i.uuid, { reboot: { type: 'HARD' } })).status).toBe(202);
  });

  test('validation texts', async () => {
    const i = s.healthy[0];
    expect((await action(i, { 'os-resetState': { state: 'paused' } })).body.badRequest.message).toBe(
      "Invalid input for field/attribute state. Value: paused. 'paused' is not one of ['active', 'error']",
    );
    expect((await action(i, { 'os-resetState': {} })).body.badRequest.message).toBe(
      "Invalid input for field/attribute os-resetState. Value: {}. 'state' is a required property",
    );
  });
});

describe('DELETE /servers/{id}', () => {
  test('an instance stuck in deleting on an up host: 204 and nothing happens (Nova ignores a second delete)', async () => {
    const i = byState('deleting', 10_800);
    const r = await del(i.uuid);
    expect(r.status).toBe(204);
    await new Promise((res) => setTimeout(res, 400));
    const srv = (await server(i.uuid)).body.server;
    expect(srv['OS-EXT-STS:task_state']).toBe('deleting');
    const acts = await lab.rootQuery<any[]>(`SELECT action FROM ${nova()}.instance_actions WHERE instance_uuid = ? AND action = 'delete'`, [i.uuid]);
    expect(acts).toEqual([]);
  });

  test('reset to error, then delete: task deleting, then gone after the compute finishes; 404 after', async () => {
    const i = s.instances.find((x) => x.taskState === 'deleting' && x.volumes.length > 0) ?? byState('deleting', 2700);
    expect((await action(i.uuid, { 'os-resetState': { state: 'error' } })).status).toBe(202);
    expect((await del(i.uuid)).status).toBe(204);
    expect((await server(i.uuid)).body.server['OS-EXT-STS:task_state']).toBe('deleting');
    const gone = await waitFor(() => server(i.uuid), (r) => r.status === 404, 3000);
    expect(gone.body).toEqual({ itemNotFound: { code: 404, message: `Instance ${i.uuid} could not be found.` } });
    const [row] = await lab.rootQuery<any[]>(`SELECT id, vm_state, task_state, power_state, deleted FROM ${nova()}.instances WHERE uuid = ?`, [i.uuid]);
    expect(row).toMatchObject({ vm_state: 'deleted', task_state: null, power_state: 0, deleted: row.id });
    expect((await api(token, `${lab.info.api.url}/placement/allocations/${i.uuid}`)).body).toEqual({ allocations: {} });
    for (const v of i.volumes) {
      const [vol] = await lab.rootQuery<any[]>(`SELECT status, attach_status FROM ${cinder()}.volumes WHERE id = ?`, [v]);
      expect(vol).toEqual({ status: 'available', attach_status: 'detached' });
      expect(await readFile(hostPaths(lab.info.dir, i.host).sessions, 'utf8')).not.toContain(v);
    }
    const bdms = await lab.rootQuery<any[]>(`SELECT deleted FROM ${nova()}.block_device_mapping WHERE instance_uuid = ?`, [i.uuid]);
    expect(bdms.every((b) => b.deleted !== 0)).toBe(true);
    const events = await lab.rootQuery<any[]>(
      `SELECT a.action, e.event, e.result, e.host FROM ${nova()}.instance_actions a JOIN ${nova()}.instance_actions_events e ON e.action_id = a.id WHERE a.instance_uuid = ?`,
      [i.uuid],
    );
    expect(events).toEqual([{ action: 'delete', event: 'compute_terminate_instance', result: 'Success', host: i.host }]);
    expect(existsSync(path.join(hostPaths(lab.info.dir, i.host).instancesDir, i.uuid))).toBe(false);
  });

  test('a healthy instance: deleted after deleteMs; the request is counted', async () => {
    const id = s.healthy[1];
    await lab.resetStats();
    expect((await del(id)).status).toBe(204);
    await waitFor(() => server(id), (r) => r.status === 404, 3000);
    expect((await lab.stats()).deletesByServer).toEqual({ [id]: 1 });
    expect((await del(id)).status).toBe(404);
  });

  test("the instance's compute is down: a local delete in the API, gone before the 204 (no instance action)", async () => {
    const i = byState('migrating', 10_800);
    const c = s.instances.find((x) => x.host === i.host && x.uuid !== i.uuid && x.stuck)!;
    await fetch(`${lab.info.api.url}/_lab/hosts/${i.host}/power`, { method: 'POST', body: JSON.stringify({ on: false }) });
    try {
      // While its heartbeat is younger than service_down_time the delete goes to the (dead) compute and stays.
      const early = c.taskState === 'deleting' ? undefined : await del(c.uuid);
      if (early) {
        expect(early.status).toBe(204);
        await new Promise((res) => setTimeout(res, 300));
        expect((await server(c.uuid)).body.server['OS-EXT-STS:task_state']).toBe('deleting');
      }
      await waitFor(
        async () => (await api(token, `${compute}/os-services?host=${i.host}`)).body.services[0].state,
        (st) => st === 'down',
        8000,
      );
      expect((await del(i.uuid)).status).toBe(204);
      expect((await server(i.uuid)).status).toBe(404);
      const acts = await lab.rootQuery<any[]>(`SELECT action FROM ${nova()}.instance_actions WHERE instance_uuid = ? AND action = 'delete'`, [i.uuid]);
      expect(acts).toEqual([]);
      // The one stuck in deleting goes too, now that its compute reads down.
      expect((await del(c.uuid)).status).toBe(204);
      expect((await server(c.uuid)).status).toBe(404);
    } finally {
      await fetch(`${lab.info.api.url}/_lab/hosts/${i.host}/power`, { method: 'POST', body: JSON.stringify({ on: true }) });
    }
  });
});
