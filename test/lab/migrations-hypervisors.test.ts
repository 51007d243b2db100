// GET /os-migrations, /servers/{id}/migrations, /os-hypervisors(/detail), /servers/detail with
// changes-since/changes-before/vm_state/task_state, and os-instance-actions of a deleted instance,
// over HTTP. The expected shapes, texts and microversion gates are those a real Zed deployment gave
// (shared/realstack).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyScenario, type FailedNodeSummary } from '../../src/lab/index.js';
import { createTestLab, labToken, type TestLab } from '../support/lab.js';
import { api, novaAt, waitFor } from './api-helpers.js';

let lab: TestLab;
let token: string;
let compute: string;
let s: FailedNodeSummary;
let evacuated: string;
let deletedId: string;
const nova = () => `\`${lab.info.db.schemas.nova}\``;
const get = (path: string, version = '2.1') => api(token, `${compute}${path}`, { headers: novaAt(version) });
const TIME6 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;

beforeAll(async () => {
  lab = await createTestLab({ settings: { evacuateMs: 60, deleteMs: 30 } });
  ({ token, compute } = await labToken(lab.info));
  s = await applyScenario(lab.info, 'failed-node', { instances: 4, volumes: 2, seed: 5, heartbeatAgeSeconds: 120 });
  // One real evacuation (compute1 is down), then that instance deleted on compute2.
  evacuated = s.byKind.image[0];
  const r = await api(token, `${compute}/servers/${evacuated}/action`, {
    method: 'POST',
    body: { evacuate: { host: s.targetHost } },
    headers: novaAt('2.29'),
  });
  expect(r.status).toBe(200);
  await waitFor(
    () => lab.rootQuery<any[]>(`SELECT status FROM ${nova()}.migrations WHERE instance_uuid = ?`, [evacuated]),
    (rows) => rows[0]?.status === 'done',
  );
  // Rows as other moves leave them: a hidden one, a deleted one, a live migration in progress.
  const other = s.instances.map((i) => i.uuid).find((u) => u !== evacuated)!;
  await lab.rootQuery(
    `INSERT INTO ${nova()}.migrations (created_at, updated_at, deleted, source_compute, dest_compute, source_node, dest_node, status,
       instance_uuid, migration_type, hidden, uuid, cross_cell_move, user_id, project_id)
     VALUES ('2026-01-01 00:00:01', '2026-01-01 00:00:02', 0, 'compute3', 'compute2', 'compute3', 'compute2', 'running', ?, 'live-migration', 0,
       'aaaaaaaa-0000-4000-8000-000000000001', 0, 'u1', 'p1'),
            ('2026-01-01 00:00:03', '2026-01-01 00:00:04', 0, 'compute3', 'compute2', 'compute3', 'compute2', 'confirmed', ?, 'resize', 1,
       'aaaaaaaa-0000-4000-8000-000000000002', 0, 'u1', 'p1'),
            ('2026-01-01 00:00:05', '2026-01-01 00:00:06', 99, 'compute3', 'compute2', 'compute3', 'compute2', 'completed', ?, 'migration', 0,
       'aaaaaaaa-0000-4000-8000-000000000003', 0, 'u1', 'p1')`,
    [other, other, other],
  );
});
afterAll(async () => lab?.destroy());

describe('GET /os-migrations', () => {
  test('2.1: the fields without migration_type/uuid, in id order; hidden and deleted rows left out', async () => {
    const r = await get('/os-migrations');
    expect(r.status).toBe(200);
    expect(r.body.migrations).toHaveLength(2);
    const evac = r.body.migrations.find((m: any) => m.instance_uuid === evacuated);
    expect(Object.keys(evac)).toEqual([
      'id', 'source_compute', 'dest_compute', 'source_node', 'dest_node', 'dest_host', 'old_instance_type_id',
      'new_instance_type_id', 'instance_uuid', 'status', 'created_at', 'updated_at',
    ]);
    expect(evac).toMatchObject({ source_compute: s.failedHost, dest_compute: s.targetHost, dest_node: s.targetHost, status: 'done' });
    expect(evac.created_at).toMatch(TIME6);
    expect(r.body.migrations[0].id).toBeLessThan(r.body.migrations[1].id);
    expect(r.body.migrations_links).toBeUndefined();
  });

  test('2.23: migration_type, links only for a live migration in progress; 2.59 uuid, newest first; 2.80 user/project', async () => {
    const r23 = await get('/os-migrations', '2.23');
    const live = r23.body.migrations.find((m: any) => m.migration_type === 'live-migration');
    expect(live.links.map((l: any) => l.rel)).toEqual(['self', 'bookmark']);
    expect(live.links[0].href).toMatch(new RegExp(`/compute/v2\\.1/servers/${live.instance_uuid}/migrations/${live.id}$`));
    const evac = r23.body.migrations.find((m: any) => m.migration_type === 'evacuation');
    expect(evac.links).toBeUndefined();
    expect(evac.uuid).toBeUndefined();
    const r59 = await get('/os-migrations', '2.59');
    expect(r59.body.migrations.map((m: any) => m.migration_type)).toEqual(['evacuation', 'live-migration']);
    expect(Object.keys(r59.body.migrations[0]).slice(0, 2)).toEqual(['id', 'uuid']);
    expect(r59.body.migrations[0].user_id).toBeUndefined();
    const r80 = await get('/os-migrations', '2.80');
    expect(Object.keys(r80.body.migrations[1])).toEqual([
      'id', 'uuid', 'source_compute', 'dest_compute', 'source_node', 'dest_node', 'dest_host', 'old_instance_type_id',
      'new_instance_type_id', 'instance_uuid', 'status', 'migration_type', 'user_id', 'project_id', 'created_at', 'updated_at', 'links',
    ]);
    expect(r80.body.migrations[1]).toMatchObject({ user_id: 'u1', project_id: 'p1', created_at: '2026-01-01T00:00:01.000000' });
  });

  test('filters: instance_uuid, migration_type, source_compute, status (last value wins), host; unknown ignored before 2.59', async () => {
    const ids = async (q: string, v = '2.1') => (await get(`/os-migrations?${q}`, v)).body.migrations.map((m: any) => m.instance_uuid);
    expect(await ids(`instance_uuid=${evacuated}`)).toEqual([evacuated]);
    expect(await ids('migration_type=evacuation')).toEqual([evacuated]);
    expect(await ids(`source_compute=${s.failedHost}`)).toEqual([evacuated]);
    expect(await ids('status=running&status=done')).toEqual([evacuated]);
    expect(await ids('status=done&status=running')).toHaveLength(1);
    expect(await ids(`host=${s.targetHost}`)).toHaveLength(2);
    expect(await ids('hidden=1')).toEqual([]);
    expect(await ids('foo=1&user_id=nobody')).toHaveLength(2);
  });

  test('2.59 paging: limit/marker with next links, bad limit/marker, unknown parameters, changes-since/-before', async () => {
    const p1 = await get('/os-migrations?limit=1', '2.59');
    expect(p1.body.migrations).toHaveLength(1);
    const next = p1.body.migrations_links[0];
    expect(next.rel).toBe('next');
    expect(next.href).toBe(`${compute}/os-migrations?limit=1&marker=${p1.body.migrations[0].uuid}`);
    // Nova pages in SQL and drops hidden rows afterwards: the next row is the hidden resize, so
    // this page is empty (and has no next link) although an older live migration remains.
    const p2 = await api(token, next.href, { headers: novaAt('2.59') });
    expect(p2.body).toEqual({ migrations: [] });
    const p3 = await get(`/os-migrations?limit=2&marker=${p1.body.migrations[0].uuid}`, '2.59');
    expect(p3.body.migrations.map((m: any) => m.migration_type)).toEqual(['live-migration']);
    expect((await get('/os-migrations?limit=1', '2.58')).body.migrations).toHaveLength(2);
    expect((await get('/os-migrations?limit=0', '2.59')).body).toEqual({ migrations: [] });
    const bad = async (q: string, v = '2.59') => (await get(`/os-migrations?${q}`, v)).body.badRequest.message;
    expect(await bad('limit=abc')).toBe("Invalid input for query parameters limit. Value: abc. 'abc' does not match '^[0-9]*$'");
    expect(await bad('limit=1&limit=2')).toBe("Invalid input for query parameters limit. Value: ['1', '2']. ['1', '2'] is too long");
    expect(await bad('marker=ffffffff-ffff-4fff-8fff-ffffffffffff')).toBe('Marker ffffffff-ffff-4fff-8fff-ffffffffffff could not be found.');
    expect(await bad('user_id=x')).toBe("Additional properties are not allowed ('user_id' was unexpected)");
    expect(await bad('changes-before=2000-01-01T00:00:00Z')).toBe("Additional properties are not allowed ('changes-before' was unexpected)");
    expect(await bad('changes-since=foo')).toBe("Invalid input for query parameters changes-since. Value: foo. 'foo' is not a 'date-time'");
    expect(await bad('changes-since=2026-02-01T00:00:00Z&changes-before=2026-01-01T00:00:00Z', '2.66')).toBe(
      'The value of changes-since must be less than or equal to changes-before.',
    );
    const since = await get('/os-migrations?changes-since=2026-06-01T00:00:00Z', '2.59');
    expect(since.body.migrations.map((m: any) => m.instance_uuid)).toEqual([evacuated]);
    const before = await get('/os-migrations?changes-before=2026-01-01T00:00:02Z', '2.66');
    expect(before.body.migrations.map((m: any) => m.migration_type)).toEqual(['live-migration']);
    expect((await get('/os-migrations?changes-before=2000-01-01', '2.66')).body).toEqual({ migrations: [] });
    expect((await get('/os-migrations?user_id=u1', '2.80')).body.migrations).toHaveLength(1);
  });

  test('GET /servers/{id}/migrations: 404 before 2.23, then the live migrations in progress', async () => {
    expect((await get(`/servers/${evacuated}/migrations`, '2.22')).body).toEqual({
      itemNotFound: { code: 404, message: 'The resource could not be found.' },
    });
    expect((await get(`/servers/${evacuated}/migrations`, '2.23')).body).toEqual({ migrations: [] });
    const id = '00000000-0000-4000-8000-000000000000';
    expect((await get(`/servers/${id}/migrations`, '2.23')).body.itemNotFound.message).toBe(`Instance ${id} could not be found.`);
  });
});

describe('GET /os-hypervisors', () => {
  test('detail per microversion: ids, service, counters, cpu_info string then object, uptime from 2.88', async () => {
    const r1 = await get('/os-hypervisors/detail');
    expect(r1.status).toBe(200);
    const h = r1.body.hypervisors;
    expect(h.map((x: any) => x.hypervisor_hostname)).toEqual(lab.info.hosts);
    expect(Object.keys(h[0])).toEqual([
      'id', 'hypervisor_hostname', 'state', 'status', 'hypervisor_type', 'hypervisor_version', 'host_ip', 'service', 'vcpus',
      'memory_mb', 'local_gb', 'vcpus_used', 'memory_mb_used', 'local_gb_used', 'free_ram_mb', 'free_disk_gb', 'current_workload',
      'running_vms', 'disk_available_least', 'cpu_info',
    ]);
    expect(h[0].id).toBe(1);
    expect(typeof h[0].service.id).toBe('number');
    expect(h[0].service.host).toBe(h[0].hypervisor_hostname);
    expect(typeof h[0].cpu_info).toBe('string');
    const failed = h.find((x: any) => x.hypervisor_hostname === s.failedHost);
    expect(failed.state).toBe('down');
    expect(h.find((x: any) => x.hypervisor_hostname === s.targetHost).state).toBe('up');
    const r28 = await get('/os-hypervisors/detail', '2.28');
    expect(r28.body.hypervisors[0].cpu_info.arch).toBe('x86_64');
    const r53 = await get('/os-hypervisors/detail', '2.53');
    expect(r53.body.hypervisors[0].id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r53.body.hypervisors[0].service.id).toMatch(/^[0-9a-f-]{36}$/);
    const r88 = await get('/os-hypervisors/detail', '2.88');
    expect(Object.keys(r88.body.hypervisors[0])).toEqual([
      'id', 'hypervisor_hostname', 'state', 'status', 'hypervisor_type', 'hypervisor_version', 'host_ip', 'service', 'uptime',
    ]);
    const index = await get('/os-hypervisors');
    expect(Object.keys(index.body.hypervisors[0])).toEqual(['id', 'hypervisor_hostname', 'state', 'status']);
  });

  test('paging from 2.33, pattern and with_servers from 2.53, and their errors', async () => {
    const p = await get('/os-hypervisors/detail?limit=1', '2.53');
    expect(p.body.hypervisors).toHaveLength(1);
    expect(p.body.hypervisors_links[0].href).toBe(`${compute}/os-hypervisors/detail?limit=1&marker=${p.body.hypervisors[0].id}`);
    expect((await get('/os-hypervisors/detail?limit=1', '2.32')).body.hypervisors).toHaveLength(lab.info.hosts.length);
    expect((await get('/os-hypervisors?limit=1&marker=999', '2.33')).body.badRequest.message).toBe('marker [999] not found');
    expect((await get('/os-hypervisors?hypervisor_hostname_pattern=nope', '2.53')).body).toEqual({
      itemNotFound: { code: 404, message: "No hypervisor matching 'nope' could be found." },
    });
    expect((await get('/os-hypervisors?hypervisor_hostname_pattern=comp&limit=1', '2.53')).body.badRequest.message).toBe(
      'The server could not comply with the request since it is either malformed or otherwise incorrect.',
    );
    expect((await get('/os-hypervisors?foo=1', '2.53')).body.badRequest.message).toBe("Additional properties are not allowed ('foo' was unexpected)");
    const ws = await get(`/os-hypervisors?with_servers=true&hypervisor_hostname_pattern=${s.targetHost}`, '2.53');
    expect(ws.body.hypervisors).toHaveLength(1);
    expect(ws.body.hypervisors[0].servers.every((x: any) => /^instance-[0-9a-f]{8}$/.test(x.name))).toBe(true);
    expect(ws.body.hypervisors[0].servers.map((x: any) => x.uuid)).toContain(evacuated);
    const empty = await api(token, `${compute}/os-hypervisors?with_servers=true`, { headers: novaAt('2.75') });
    expect(empty.body.hypervisors.every((x: any) => Array.isArray(x.servers))).toBe(true);
    expect((await get('/os-hypervisors?with_servers=maybe', '2.53')).body.badRequest.message).toMatch(
      /^Invalid input for query parameters with_servers\. Value: maybe\. 'maybe' is not one of \[True, 'True'/,
    );
  });
});

describe('servers: changes-since/-before, vm_state/task_state, and actions of a deleted instance', () => {
  let marker: Date;
  beforeAll(async () => {
    const [row] = await lab.rootQuery<any[]>(`SELECT UTC_TIMESTAMP() AS now`);
    marker = row.now;
    deletedId = evacuated;
    await new Promise((r) => setTimeout(r, 1100)); // updated_at has whole seconds
    const r = await api(token, `${compute}/servers/${deletedId}`, { method: 'DELETE' });
    expect(r.status).toBe(204);
    await waitFor(() => get(`/servers/${deletedId}`), (x) => x.status === 404);
  });

  const list = async (q: string, v = '2.1') => (await get(`/servers/detail?all_tenants=1&${q}`, v)).body;

  test('changes-since lists deleted instances too (status DELETED); changes-before only from 2.66', async () => {
    const since = await list(`changes-since=${marker.toISOString()}`);
    const gone = since.servers.find((x: any) => x.id === deletedId);
    expect(gone).toMatchObject({ status: 'DELETED', 'OS-EXT-STS:vm_state': 'deleted', 'OS-EXT-STS:task_state': null });
    expect(gone['OS-SRV-USG:terminated_at']).toMatch(TIME6);
    expect(gone.security_groups).toBeUndefined();
    expect(gone.progress).toBeUndefined();
    expect((await list('')).servers.map((x: any) => x.id)).not.toContain(deletedId);
    const all = await list('changes-before=2099-01-01T00:00:00Z', '2.66');
    expect(all.servers.map((x: any) => x.id)).toContain(deletedId);
    expect(all.servers).toHaveLength(s.counts.instances + s.counts.otherInstances);
    const old = await list('changes-before=2000-01-01T00:00:00Z', '2.66');
    expect(old.servers).toEqual([]);
    const ignored = await list('changes-before=2000-01-01T00:00:00Z', '2.65');
    expect(ignored.servers.map((x: any) => x.id)).not.toContain(deletedId);
    expect(ignored.servers.length).toBe(s.counts.instances + s.counts.otherInstances - 1);
    expect((await list('changes-since=2026-02-01T00:00:00Z&changes-before=2026-01-01T00:00:00Z', '2.66')).badRequest.message).toBe(
      'The value of changes-since must be less than or equal to changes-before.',
    );
    expect((await list('changes-before=foo', '2.66')).badRequest.message).toBe(
      "Invalid input for query parameters changes-before. Value: foo. 'foo' is not a 'date-time'",
    );
    expect((await list(`changes-since=${marker.toISOString()}&status=DELETED`)).servers.map((x: any) => x.id)).toEqual([deletedId]);
  });

  test('task_state and vm_state filter exactly; a repeated parameter keeps the last value', async () => {
    const target = s.instances.map((i) => i.uuid).find((u) => u !== deletedId)!;
    await lab.rootQuery(`UPDATE ${nova()}.instances SET task_state = 'rebooting_hard' WHERE uuid = ?`, [target]);
    expect((await list('task_state=rebooting_hard')).servers.map((x: any) => x.id)).toEqual([target]);
    expect((await list('task_state=rebooting_hard&task_state=foo')).servers).toEqual([]);
    expect((await list('task_state=foo&task_state=rebooting_hard')).servers.map((x: any) => x.id)).toEqual([target]);
    expect((await list('task_state=')).servers).toEqual([]);
    const vm = (await get(`/servers/${target}`)).body.server['OS-EXT-STS:vm_state'];
    const byVm = await list(`vm_state=${vm}`);
    expect(byVm.servers.length).toBeGreaterThan(0);
    expect(byVm.servers.every((x: any) => x['OS-EXT-STS:vm_state'] === vm)).toBe(true);
    expect((await list(`vm_state=${vm}&vm_state=foo`)).servers).toEqual([]);
    expect((await list('vm_state=deleted')).servers).toEqual([]);
    await lab.rootQuery(`UPDATE ${nova()}.instances SET task_state = NULL WHERE uuid = ?`, [target]);
  });

  test('os-instance-actions of a deleted instance: 404 before 2.21, listed from 2.21', async () => {
    expect((await get(`/servers/${deletedId}/os-instance-actions`, '2.20')).body).toEqual({
      itemNotFound: { code: 404, message: `Instance ${deletedId} could not be found.` },
    });
    const r = await get(`/servers/${deletedId}/os-instance-actions`, '2.21');
    expect(r.status).toBe(200);
    expect(r.body.instanceActions.map((a: any) => a.action).slice(0, 2)).toEqual(['delete', 'evacuate']);
    expect(r.body.instanceActions[0].start_time).toMatch(TIME6);
  });
});
