import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyScenario, hostPaths, labPaths, type FailedNodeSummary } from '../../src/lab/index.js';
import { createTestLab, labToken, type TestLab } from '../support/lab.js';
import { api, novaAt, placementAt, waitFor } from './api-helpers.js';

const run = promisify(execFile);
let lab: TestLab;
let token: string;
let compute: string;
const nova = () => `\`${lab.info.db.schemas.nova}\``;
const cinder = () => `\`${lab.info.db.schemas.cinder}\``;
const placement = () => `\`${lab.info.db.schemas.placement}\``;

beforeAll(async () => {
  lab = await createTestLab({ settings: { serviceDownTimeMs: 2500, reportIntervalMs: 200 } });
  ({ token, compute } = await labToken(lab.info));
});
afterAll(async () => lab?.destroy());

describe('failed-node scenario (modern)', () => {
  let s: FailedNodeSummary;
  beforeAll(async () => {
    s = await applyScenario(lab.info, 'failed-node', { instances: 8, volumes: 6, seed: 11 });
  });

  test('the summary names the failed host, a target, every kind, and matches scenario.json', async () => {
    expect(s.name).toBe('failed-node');
    expect(s.failedHost).toBe('compute1');
    expect(s.targetHost).toBe('compute2');
    expect(s.counts).toEqual({ instances: 8, volumes: 6, otherInstances: 4 });
    expect(s.byKind['service-vm']).toHaveLength(1);
    expect(s.byKind['boot-from-volume'].length).toBeGreaterThanOrEqual(1);
    expect(s.byKind['image-with-volumes'].length).toBeGreaterThanOrEqual(1);
    expect(s.byKind.image.length).toBeGreaterThanOrEqual(1);
    expect(s.instances.every((i) => i.host === 'compute1')).toBe(true);
    expect(s.otherInstances.every((i) => i.host !== 'compute1' && i.kind === 'healthy')).toBe(true);
    const amphora = s.instances.find((i) => i.kind === 'service-vm')!;
    expect(amphora.name).toMatch(/^amphora-[0-9a-f-]{36}$/);
    expect(amphora.metadata).toMatchObject({ service: 'octavia', role: 'amphora' });
    expect(s.instances.filter((i) => i.vmState === 'stopped')).toHaveLength(1);
    expect(JSON.parse(await readFile(labPaths(lab.info.dir).scenarioJson, 'utf8'))).toEqual(s);
  });

  test('DB rows: instances, BDMs, cinder attachments, metadata and compute nodes match the summary', async () => {
    const rows = await lab.rootQuery<any[]>(`SELECT uuid, host, node, vm_state, power_state, task_state, image_ref, root_gb FROM ${nova()}.instances`);
    expect(rows).toHaveLength(12);
    for (const i of [...s.instances, ...s.otherInstances]) {
      const r = rows.find((x) => x.uuid === i.uuid);
      expect(r).toMatchObject({ host: i.host, node: i.host, vm_state: i.vmState, power_state: i.powerState, task_state: null, image_ref: i.imageRef });
      expect(r.root_gb).toBe(i.kind === 'boot-from-volume' ? 0 : 1);
    }
    for (const v of s.volumes) {
      const [bdm] = await lab.rootQuery<any[]>(
        `SELECT device_name, boot_index, attachment_id FROM ${nova()}.block_device_mapping WHERE volume_id = ? AND deleted = 0`,
        [v.id],
      );
      expect(bdm).toEqual({ device_name: v.device, boot_index: v.bootIndex, attachment_id: v.attachmentId });
      const att = await lab.rootQuery<any[]>(
        `SELECT instance_uuid, attached_host, mountpoint FROM ${cinder()}.volume_attachment WHERE volume_id = ? AND deleted = 0`,
        [v.id],
      );
      expect(att).toEqual([{ instance_uuid: v.instance, attached_host: 'compute1', mountpoint: v.device }]);
    }
    const bfv = s.instances.filter((i) => i.kind === 'boot-from-volume');
    expect(bfv.every((i) => i.volumes.some((v) => v.bootIndex === 0 && v.device === '/dev/vda'))).toBe(true);
    const meta = await lab.rootQuery<any[]>(`SELECT instance_uuid, \`key\`, value FROM ${nova()}.instance_metadata WHERE deleted = 0`);
    expect(meta.every((m) => m.instance_uuid === s.byKind['service-vm'][0])).toBe(true);
    const nodes = await lab.rootQuery<any[]>(`SELECT host, hypervisor_hostname, uuid FROM ${nova()}.compute_nodes ORDER BY id`);
    expect(nodes).toEqual(lab.info.hosts.map((h) => ({ host: h, hypervisor_hostname: h, uuid: s.providers[h] })));
  });

  test('every instance holds its allocation on its host provider, in the placement DB and API', async () => {
    const rps = await lab.rootQuery<any[]>(`SELECT uuid, name FROM ${placement()}.resource_providers ORDER BY id`);
    expect(rps).toEqual(lab.info.hosts.map((h) => ({ uuid: s.providers[h], name: h })));
    for (const i of [...s.instances, ...s.otherInstances]) {
      const r = await api(token, `${lab.info.api.url}/placement/allocations/${i.uuid}`, { headers: placementAt('1.28') });
      const got = Object.fromEntries(Object.entries(r.body.allocations).map(([rp, a]: [string, any]) => [rp, a.resources]));
      expect(got).toEqual(i.allocations);
      expect(r.body.project_id).toBe(i.projectId);
    }
  });

  test('files: disks and console logs on the failed host only; no libvirt.xml; no shared path', async () => {
    for (const i of s.instances) {
      const dir = path.join(hostPaths(lab.info.dir, 'compute1').instancesDir, i.uuid);
      expect(existsSync(path.join(dir, 'disk'))).toBe(i.kind !== 'boot-from-volume');
      expect(existsSync(path.join(dir, 'console.log'))).toBe(true);
      expect(existsSync(path.join(dir, 'libvirt.xml'))).toBe(false);
      expect(existsSync(path.join(hostPaths(lab.info.dir, 'compute2').instancesDir, i.uuid))).toBe(false);
    }
    expect(existsSync(labPaths(lab.info.dir).sharedStorage)).toBe(false);
  });

  test('the failed host is powered off: its iscsiadm answers like an unreachable host', async () => {
    expect(existsSync(hostPaths(lab.info.dir, 'compute1').poweredOff)).toBe(true);
    const err = await run(hostPaths(lab.info.dir, 'compute1').iscsiadm, ['-m', 'session']).catch((e) => e);
    expect(err.code).toBe(255);
    expect(err.stderr).toBe('ssh: connect to host compute1 port 22: No route to host\n');
    const ok = await run(hostPaths(lab.info.dir, 'compute2').iscsiadm, ['-m', 'session']).catch((e) => e);
    expect(ok.code).toBe(21);
  });

  test('its nova-compute reads up until service_down_time has passed since the last heartbeat, then down', async () => {
    // The scenario's heartbeat age is 0: the host just died.
    const list = () => api(token, `${compute}/os-services?binary=nova-compute`, { headers: novaAt('2.53') });
    const first = await list();
    const c1 = first.body.services.find((x: any) => x.host === 'compute1');
    expect(c1).toMatchObject({ id: s.failedService.uuid, state: 'up', forced_down: false });
    const down = await waitFor(list, (r) => r.body.services.find((x: any) => x.host === 'compute1').state === 'down', 8000);
    expect(down.body.services.filter((x: any) => x.state === 'up').map((x: any) => x.host)).toEqual(['compute2', 'compute3']);
    const [svc] = await lab.rootQuery<any[]>(`SELECT last_seen_up FROM ${nova()}.services WHERE host = 'compute1' AND \`binary\` = 'nova-compute'`);
    expect(Date.now() - svc.last_seen_up.getTime()).toBeGreaterThan(1000);
  });

  test('the same seed gives the same summary; heartbeatAgeSeconds makes it down at once', async () => {
    const again = await applyScenario(lab.info, 'failed-node', { instances: 8, volumes: 6, seed: 11, heartbeatAgeSeconds: 120 });
    expect({ ...again, heartbeatAgeSeconds: 0 }).toEqual(s);
    const r = await api(token, `${compute}/os-services?host=compute1`);
    expect(r.body.services[0].state).toBe('down');
  });
});

describe('failed-node scenario options', () => {
  test('--shared-storage: every host sees the instance directories', async () => {
    const s = await applyScenario(lab.info, 'failed-node', { instances: 5, volumes: 3, seed: 2, sharedStorage: true });
    expect(s.sharedStorage).toBe(true);
    expect(existsSync(labPaths(lab.info.dir).sharedStorage)).toBe(true);
    for (const h of lab.info.hosts) {
      for (const i of s.instances) expect(existsSync(path.join(hostPaths(lab.info.dir, h).instancesDir, i.uuid, 'console.log'))).toBe(true);
    }
  });

  test('--legacy-libvirt-xml: libvirt.xml under the failed host and the target, naming the failed host', async () => {
    const s = await applyScenario(lab.info, 'failed-node', { instances: 5, volumes: 4, seed: 3, legacyLibvirtXml: true });
    expect(s.libvirtXmlFiles).toHaveLength(10);
    for (const i of s.instances) {
      for (const h of ['compute1', 'compute2']) {
        const xml = await readFile(path.join(hostPaths(lab.info.dir, h).instancesDir, i.uuid, 'libvirt.xml'), 'utf8');
        expect(xml).toContain(`<uuid>${i.uuid}</uuid>`);
        expect(xml).toContain('<parameter name="DHCPSERVER" value="127.0.0.11"/>');
        expect(xml).toContain('listen="127.0.0.11"');
        for (const v of i.volumes) expect(xml).toContain(`volume-${v.id}`);
      }
    }
    expect(existsSync(labPaths(lab.info.dir).sharedStorage)).toBe(false);
  });

  test('another failed host and target; a two-host lab is the minimum', async () => {
    const s = await applyScenario(lab.info, 'failed-node', { instances: 3, volumes: 1, failedHost: 'compute3', targetHost: 'compute1' });
    expect([s.failedHost, s.targetHost]).toEqual(['compute3', 'compute1']);
    expect(existsSync(hostPaths(lab.info.dir, 'compute3').poweredOff)).toBe(true);
    expect(existsSync(hostPaths(lab.info.dir, 'compute1').poweredOff)).toBe(false);
    await expect(applyScenario(lab.info, 'failed-node', { targetHost: 'compute3', failedHost: 'compute3' })).rejects.toThrow(/another lab host/);
  });

  test('power-loss after failed-node powers every host on again', async () => {
    await applyScenario(lab.info, 'failed-node', { instances: 2, volumes: 0 });
    await lab.scenario('power-loss', { instances: 6, volumes: 4 });
    for (const h of lab.info.hosts) expect(existsSync(hostPaths(lab.info.dir, h).poweredOff)).toBe(false);
  });
});

describe('failed-node scenario (nova-volume)', () => {
  let legacy: TestLab;
  beforeAll(async () => {
    legacy = await createTestLab({ flavour: 'nova-volume' });
  });
  afterAll(async () => legacy?.destroy());

  test('data volumes on nova.volumes, no boot-from-volume, allocations all the same', async () => {
    const s = await applyScenario(legacy.info, 'failed-node', { instances: 6, volumes: 4, seed: 4 });
    expect(s.byKind['boot-from-volume']).toEqual([]);
    expect(s.volumes).toHaveLength(4);
    const n = `\`${legacy.info.db.schemas.nova}\``;
    for (const v of s.volumes) {
      const [row] = await legacy.rootQuery<any[]>(
        `SELECT v.mountpoint, i.uuid FROM ${n}.volumes v JOIN ${n}.instances i ON i.id = v.instance_id WHERE v.id = ?`,
        [Number(v.id)],
      );
      expect(row).toEqual({ mountpoint: v.device, uuid: v.instance });
    }
    const [{ c }] = await legacy.rootQuery<any[]>(`SELECT COUNT(DISTINCT consumer_id) AS c FROM \`${legacy.info.db.schemas.placement}\`.allocations`);
    expect(Number(c)).toBe(6 + s.counts.otherInstances);
  });
});
