// Two cells behind one API, over HTTP, as the Epoxy bed answers (test/beds/FINDINGS-epoxy.md):
// rows where their cell is, every instance and host mapped, lists that merge the cells, actions
// that touch only the instance's cell, evacuation inside a cell, and the 500 an evacuation to a
// host of the other cell meets.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyScenario, type FailedNodeSummary, type PowerLossSummary } from '../../src/lab/index.js';
import { createTestLab, labToken, type TestLab } from '../support/lab.js';
import { api, novaAt, waitFor } from './api-helpers.js';

let lab: TestLab;
let token: string;
let compute: string;

beforeAll(async () => {
  lab = await createTestLab({ hosts: 4, settings: { serviceDownTimeMs: 2500, reportIntervalMs: 200, evacuateMs: 300 } });
  ({ token, compute } = await labToken(lab.info));
});
afterAll(async () => lab?.destroy());

const schemaOf = (cell: string) => ({ cell1: lab.info.db.schemas.nova, cell2: lab.info.db.schemas.novaCell2! })[cell]!;
const rows = (cell: string, sql: string, params: unknown[] = []) => lab.rootQuery<any[]>(sql.replaceAll('CELL', `\`${schemaOf(cell)}\``), params);
/** Everything a cell holds that the API could change (services move with every heartbeat, so they are left out). */
const snapshot = async (cell: string) =>
  JSON.stringify(
    await Promise.all(
      ['instances', 'block_device_mapping', 'instance_actions', 'instance_actions_events', 'migrations', 'compute_nodes', 'instance_info_caches'].map((t) =>
        rows(cell, `SELECT * FROM CELL.${t} ORDER BY id`),
      ),
    ),
  );
const instanceRow = async (cell: string, uuid: string) => (await rows(cell, 'SELECT vm_state, task_state, power_state, host FROM CELL.instances WHERE uuid = ?', [uuid]))[0];
/** The instance row and its last migration's status (Nova ends the migration in a write of its own, after the host). */
const evacuated = async (uuid: string) => ({
  ...(await instanceRow('cell2', uuid)),
  migration: (await rows('cell2', 'SELECT status FROM CELL.migrations WHERE instance_uuid = ? ORDER BY id DESC LIMIT 1', [uuid]))[0]?.status,
});
const action = (id: string, body: unknown, version = '2.29') => api(token, `${compute}/servers/${id}/action`, { method: 'POST', body, headers: novaAt(version) });

describe('power-loss --cells 2', () => {
  let s: PowerLossSummary;
  beforeAll(async () => {
    s = await lab.scenario('power-loss', { instances: 12, volumes: 10, seed: 5, cells: 2 });
  });

  test('hosts split between cell1 and cell2; each instance, BDM and service in its host cell, and mapped there', async () => {
    expect(s.cells.map((c) => [c.name, c.hosts])).toEqual([
      ['cell0', []],
      ['cell1', ['compute1', 'compute2']],
      ['cell2', ['compute3', 'compute4']],
    ]);
    for (const i of s.instances) expect(i.cell).toBe(['compute1', 'compute2'].includes(i.host) ? 'cell1' : 'cell2');
    const api = `\`${lab.info.db.schemas.novaApi}\``;
    const mapped = await lab.rootQuery<any[]>(`SELECT m.instance_uuid AS uuid, c.name FROM ${api}.instance_mappings m JOIN ${api}.cell_mappings c ON c.id = m.cell_id`);
    expect(mapped).toHaveLength(s.instances.length);
    for (const cell of ['cell1', 'cell2']) {
      const here = (await rows(cell, 'SELECT uuid, host FROM CELL.instances')).map((r) => r.uuid).sort();
      expect(here.length).toBeGreaterThan(0);
      expect(here).toEqual(mapped.filter((m) => m.name === cell).map((m) => m.uuid).sort());
      expect(here).toEqual(s.instances.filter((i) => i.cell === cell).map((i) => i.uuid).sort());
      const bdmOwners = (await rows(cell, 'SELECT DISTINCT instance_uuid AS u FROM CELL.block_device_mapping')).map((r) => r.u);
      for (const u of bdmOwners) expect(here).toContain(u);
      const services = (await rows(cell, 'SELECT host, `binary` AS b FROM CELL.services ORDER BY id')).map((r) => `${r.host}/${r.b}`);
      const computes = s.cells.find((c) => c.name === cell)!.hosts.map((h) => `${h}/nova-compute`);
      expect(services).toEqual([...computes, ...(cell === 'cell1' ? ['controller/nova-scheduler'] : []), 'controller/nova-conductor']);
    }
    const hosts = await lab.rootQuery<any[]>(`SELECT h.host, c.name FROM ${api}.host_mappings h JOIN ${api}.cell_mappings c ON c.id = h.cell_id ORDER BY h.host`);
    expect(hosts.map((h) => `${h.host}:${h.name}`)).toEqual(['compute1:cell1', 'compute2:cell1', 'compute3:cell2', 'compute4:cell2']);
  });

  test('the API lists every server of both cells, shows each, and lists services and hypervisors of both', async () => {
    const list = await api(token, `${compute}/servers/detail?all_tenants=1`);
    expect(list.status).toBe(200);
    expect(list.body.servers.map((x: any) => x.id).sort()).toEqual(s.instances.map((i) => i.uuid).sort());
    const inCell2 = s.instances.find((i) => i.cell === 'cell2')!;
    const one = await api(token, `${compute}/servers/${inCell2.uuid}`);
    expect(one.body.server['OS-EXT-SRV-ATTR:host']).toBe(inCell2.host);
    const services = (await api(token, `${compute}/os-services`, { headers: novaAt('2.53') })).body.services;
    expect(services.filter((x: any) => x.binary === 'nova-compute').map((x: any) => x.host).sort()).toEqual(lab.info.hosts);
    expect(services.filter((x: any) => x.binary === 'nova-conductor')).toHaveLength(2);
    const hypervisors = (await api(token, `${compute}/os-hypervisors/detail`, { headers: novaAt('2.53') })).body.hypervisors;
    expect(hypervisors.map((h: any) => h.hypervisor_hostname).sort()).toEqual(lab.info.hosts);
  });

  test('reboot, stop and start of a cell2 instance change its cell2 row and no cell1 row', async () => {
    const target = s.instances.find((i) => i.cell === 'cell2' && i.vmState === 'stopped')!;
    const cell1Before = await snapshot('cell1');
    expect((await action(target.uuid, { reboot: { type: 'HARD' } })).status).toBe(202);
    await waitFor(() => instanceRow('cell2', target.uuid), (r) => r.vm_state === 'active' && r.task_state === null);
    expect((await action(target.uuid, { 'os-stop': null })).status).toBe(202);
    await waitFor(() => instanceRow('cell2', target.uuid), (r) => r.vm_state === 'stopped' && r.task_state === null);
    expect((await action(target.uuid, { 'os-start': null })).status).toBe(202);
    await waitFor(() => instanceRow('cell2', target.uuid), (r) => r.vm_state === 'active' && r.task_state === null);
    const actions = await rows('cell2', "SELECT action FROM CELL.instance_actions WHERE instance_uuid = ? AND action <> 'create' ORDER BY id", [target.uuid]);
    expect(actions.map((a) => a.action)).toEqual(['reboot', 'stop', 'start']);
    expect(await snapshot('cell1')).toBe(cell1Before);
  });
});

describe('failed-node --cells 2: the failed host and its target in cell2', () => {
  let s: FailedNodeSummary;
  beforeAll(async () => {
    s = await applyScenario(lab.info, 'failed-node', { instances: 5, volumes: 3, seed: 8, cells: 2, failedHost: 'compute3', targetHost: 'compute4', heartbeatAgeSeconds: 600 });
  });

  test('the failed host, its instances and its target are in cell2; the other cell holds healthy instances', () => {
    expect(s.failedCell).toBe('cell2');
    expect(s.cells.find((c) => c.name === 'cell2')!.hosts).toEqual(['compute3', 'compute4']);
    expect(new Set(s.instances.map((i) => i.cell))).toEqual(new Set(['cell2']));
    expect(s.otherInstances.filter((i) => i.cell === 'cell1').length).toBeGreaterThan(0);
    expect(s.failedService.id).toBe(1);
  });

  test('evacuate to a host of the other cell: 500 ComputeHostNotFound, as the bed answered; nothing changed', async () => {
    const id = s.byKind.image[0];
    const before = [await snapshot('cell1'), await snapshot('cell2')];
    const r = await action(id, { evacuate: { host: 'compute1' } });
    expect(r.status).toBe(500);
    expect(r.body.computeFault.code).toBe(500);
    expect(r.body.computeFault.message).toMatch(/^Unexpected API Error\. .*\n<class 'nova\.exception\.ComputeHostNotFound'>$/s);
    expect([await snapshot('cell1'), await snapshot('cell2')]).toEqual(before);
  });

  test('evacuate within cell2 works there (named host, and scheduled: only cell2 is looked at); cell1 untouched', async () => {
    const cell1Before = await snapshot('cell1');
    const [named, scheduled] = s.byKind.image;
    expect((await action(named, { evacuate: { host: 'compute4' } })).status).toBe(200);
    await waitFor(() => evacuated(named), (r) => r.host === 'compute4' && r.task_state === null && r.migration === 'done');
    // compute1 and compute2 (cell1) hold fewer instances than compute4: a scheduler over every cell would pick them.
    expect((await action(scheduled, { evacuate: {} })).status).toBe(200);
    await waitFor(() => evacuated(scheduled), (r) => r.host === 'compute4' && r.task_state === null && r.migration === 'done');
    const migrations = await rows('cell2', 'SELECT instance_uuid, source_compute, dest_compute, status, migration_type FROM CELL.migrations ORDER BY id');
    expect(migrations).toEqual([
      { instance_uuid: named, source_compute: 'compute3', dest_compute: 'compute4', status: 'done', migration_type: 'evacuation' },
      { instance_uuid: scheduled, source_compute: 'compute3', dest_compute: 'compute4', status: 'done', migration_type: 'evacuation' },
    ]);
    const listed = (await api(token, `${compute}/os-migrations`, { headers: novaAt('2.59') })).body.migrations;
    expect(listed.map((m: any) => m.instance_uuid).sort()).toEqual([named, scheduled].sort());
    expect(await snapshot('cell1')).toBe(cell1Before);
  });
});
