import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hostPaths, labPaths } from '../../src/lab/index.js';
import { createTestLab, type TestLab } from '../support/lab.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await createTestLab();
});
afterAll(async () => lab?.destroy());
const nova = () => `\`${lab.info.db.schemas.nova}\``;
const cinder = () => `\`${lab.info.db.schemas.cinder}\``;

describe('power-loss scenario (modern)', () => {
  test('20 instances / 30 volumes with one live session', async () => {
    const s = await lab.scenario('power-loss', { instances: 20, volumes: 30, liveSession: true, seed: 42 });
    expect(s.counts).toEqual({ instances: 20, volumes: 30 });
    const onDisk = JSON.parse(await readFile(labPaths(lab.info.dir).scenarioJson, 'utf8'));
    expect(onDisk).toEqual(s);

    const inst = await lab.rootQuery<any[]>(`SELECT uuid, vm_state, power_state, task_state, host FROM ${nova()}.instances`);
    expect(inst).toHaveLength(20);
    const stopped = inst.filter((i) => i.vm_state === 'stopped');
    expect(stopped.every((i) => i.power_state === 4 && i.task_state === null)).toBe(true);
    expect(inst.filter((i) => i.vm_state === 'error').map((i) => i.uuid)).toEqual(s.errorInstances);
    expect(s.activeInstances.length).toBeGreaterThanOrEqual(2);
    expect(new Set(inst.map((i) => i.host))).toEqual(new Set(['compute1', 'compute2', 'compute3']));

    // Every attached pair is still attached in Cinder and Nova, linked by attachment_id.
    for (const p of s.attached) {
      const [v] = await lab.rootQuery<any[]>(`SELECT status, attach_status FROM ${cinder()}.volumes WHERE id=?`, [p.volume]);
      expect(v).toEqual({ status: 'in-use', attach_status: 'attached' });
      const att = await lab.rootQuery<any[]>(
        `SELECT id, mountpoint, attached_host FROM ${cinder()}.volume_attachment WHERE volume_id=? AND instance_uuid=? AND deleted=0`,
        [p.volume, p.instance],
      );
      expect(att).toEqual([{ id: p.attachmentId, mountpoint: p.device, attached_host: p.host }]);
      const bdm = await lab.rootQuery<any[]>(
        `SELECT device_name, attachment_id, boot_index FROM ${nova()}.block_device_mapping WHERE volume_id=? AND instance_uuid=? AND deleted=0`,
        [p.volume, p.instance],
      );
      expect(bdm).toEqual([{ device_name: p.device, attachment_id: p.attachmentId, boot_index: null }]);
    }
    expect(s.attached.every((p) => /^\/dev\/vd[b-z]$/.test(p.device))).toBe(true);

    expect(s.multiattach?.attachments).toHaveLength(2);
    expect(new Set(s.multiattach!.attachments.map((a) => a.instance)).size).toBe(2);
    expect(s.bootVolumes).toHaveLength(2);
    for (const b of s.bootVolumes) {
      const [bdm] = await lab.rootQuery<any[]>(
        `SELECT device_name, boot_index, source_type, destination_type FROM ${nova()}.block_device_mapping WHERE volume_id=? AND deleted=0`,
        [b.volume],
      );
      expect(bdm).toEqual({ device_name: '/dev/vda', boot_index: 0, source_type: 'volume', destination_type: 'volume' });
    }
    for (const id of s.errorDeleting) {
      const [v] = await lab.rootQuery<any[]>(`SELECT status, attach_status FROM ${cinder()}.volumes WHERE id=?`, [id]);
      expect(v).toEqual({ status: 'error_deleting', attach_status: 'detached' });
    }
    const [{ n: detachedAtt }] = await lab.rootQuery<any[]>(
      `SELECT COUNT(*) AS n FROM ${cinder()}.volume_attachment WHERE volume_id IN (?) AND deleted=0`,
      [[...s.errorDeleting, ...s.detached]],
    );
    expect(Number(detachedAtt)).toBe(0);
    expect(s.noVolumeInstances.length).toBeGreaterThan(0);

    // Sessions: gone everywhere except the one live session.
    const live = s.liveSessionVolume!;
    expect(s.attached.some((p) => p.volume === live.volume && p.instance === live.instance)).toBe(true);
    for (const h of lab.info.hosts) {
      const text = await readFile(hostPaths(lab.info.dir, h).sessions, 'utf8');
      if (h === live.host) {
        expect(text).toBe(`tcp: [${live.sid}] 127.0.0.1:3260,1 iqn.2010-10.org.openstack:volume-${live.volume} (non-flash)\n`);
      } else expect(text).toBe('');
    }
    // libvirt.xml for every instance on its host.
    for (const i of s.instances) {
      expect(existsSync(path.join(hostPaths(lab.info.dir, i.host).instancesDir, i.uuid, 'libvirt.xml'))).toBe(true);
    }
  });

  test('the same seed rebuilds the same cloud; a scenario replaces the previous data', async () => {
    const a = await lab.scenario('power-loss', { instances: 10, volumes: 12, seed: 5 });
    const b = await lab.scenario('power-loss', { instances: 10, volumes: 12, seed: 5 });
    expect(b).toEqual(a);
    const [{ n }] = await lab.rootQuery<any[]>(`SELECT COUNT(*) AS n FROM ${nova()}.instances`);
    expect(Number(n)).toBe(10);
  });

  // How long it takes is the bench's to print (npm run bench), not a test's to assert on a busy machine.
  test('1,000 instances / 2,000 volumes load whole', async () => {
    const s = await lab.scenario('power-loss', { instances: 1000, volumes: 2000, seed: 9 });
    const [{ n }] = await lab.rootQuery<any[]>(`SELECT COUNT(*) AS n FROM ${cinder()}.volumes`);
    expect(Number(n)).toBe(2000);
    expect(s.attached.length).toBeGreaterThan(1800);
  });
});

describe('power-loss scenario (nova-volume)', () => {
  let legacy: TestLab;
  beforeAll(async () => {
    legacy = await createTestLab({ flavour: 'nova-volume' });
  });
  afterAll(async () => legacy?.destroy());

  test('legacy volumes carry instance_id and mountpoint; the cinder schema is empty', async () => {
    const s = await legacy.scenario('power-loss', { seed: 2, liveSession: true });
    const n = `\`${legacy.info.db.schemas.nova}\``;
    for (const p of s.attached) {
      const [v] = await legacy.rootQuery<any[]>(
        `SELECT v.status, v.attach_status, v.mountpoint, i.uuid FROM ${n}.volumes v JOIN ${n}.instances i ON i.id = v.instance_id WHERE v.id=?`,
        [Number(p.volume)],
      );
      expect(v).toEqual({ status: 'in-use', attach_status: 'attached', mountpoint: p.device, uuid: p.instance });
    }
    expect(s.multiattach).toBeNull();
    expect(s.bootVolumes).toEqual([]);
    const tables = await legacy.rootQuery<any[]>('SELECT table_name FROM information_schema.tables WHERE table_schema=?', [
      legacy.info.db.schemas.cinder,
    ]);
    expect(tables).toEqual([]);
    expect(s.liveSessionVolume?.volume).toMatch(/^\d+$/);
  });
});
