import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hostPaths } from '../../src/lab/index.js';
import { createTestLab, labToken, type TestLab } from '../support/lab.js';
import { api, waitFor } from './api-helpers.js';

let lab: TestLab;
let token: string;
let compute: string;
let volume: string;
let scenario: Awaited<ReturnType<TestLab['scenario']>>;
const nova = () => `\`${lab.info.db.schemas.nova}\``;
const cinder = () => `\`${lab.info.db.schemas.cinder}\``;

beforeAll(async () => {
  lab = await createTestLab();
  scenario = await lab.scenario('power-loss', { seed: 11 });
  ({ token, compute, volume } = await labToken(lab.info));
});
afterAll(async () => lab?.destroy());

const attach = (server: string, volumeId: string, device = '/dev/vdb') =>
  api(token, `${compute}/servers/${server}/os-volume_attachments`, { method: 'POST', body: { volumeAttachment: { volumeId, device } } });

function dataPairs() {
  return scenario.attached.filter((p) => p.volume !== scenario.multiattach?.volume);
}

describe('attach rules', () => {
  test('a live BDM for the pair refuses the re-attach (cinder-only cleanup is not enough)', async () => {
    const p = dataPairs()[0];
    // What the guide's SQL and `cinder reset-state` do: Cinder forgets, Nova's BDM stays.
    await lab.rootQuery(`UPDATE ${cinder()}.volumes SET status='available', attach_status='detached' WHERE id=?`, [p.volume]);
    await lab.rootQuery(`UPDATE ${cinder()}.volume_attachment SET deleted=1, attach_status='detached' WHERE volume_id=?`, [p.volume]);
    const r = await attach(p.instance, p.volume, p.device);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      badRequest: { code: 400, message: `Invalid volume: volume ${p.volume} is already attached to instances: ${p.instance}` },
    });
  });

  test('a volume that is not available is refused with cinder reserve message', async () => {
    const p = dataPairs()[1];
    const other = scenario.noVolumeInstances[0];
    const r = await attach(other, p.volume);
    expect(r.status).toBe(400);
    expect(r.body.badRequest.message).toMatch(
      new RegExp(`^Invalid input received: Invalid volume: Volume ${p.volume} status must be available or downloading to reserve, but the current status is in-use\\. \\(HTTP 400\\) \\(Request-ID: req-`),
    );
  });

  test('missing server, missing volume and busy task_state', async () => {
    const p = dataPairs()[2];
    const ghost = '11111111-2222-4333-8444-555555555555';
    expect((await attach(ghost, p.volume)).status).toBe(404);
    const nv = await attach(p.instance, ghost);
    expect(nv.status).toBe(404);
    expect(nv.body.itemNotFound.message).toBe(`Volume ${ghost} could not be found.`);
    await lab.rootQuery(`UPDATE ${nova()}.instances SET task_state='rebooting_hard' WHERE uuid=?`, [p.instance]);
    const busy = await attach(p.instance, scenario.detached[0]);
    expect(busy.status).toBe(409);
    expect(busy.body.conflictingRequest.message).toBe(`Cannot 'attach_volume' instance ${p.instance} while it is in task_state rebooting_hard`);
    await lab.rootQuery(`UPDATE ${nova()}.instances SET task_state=NULL WHERE uuid=?`, [p.instance]);
  });

  test('after a full cleanup the attach completes: in-use, one attachment row, one BDM, one iSCSI session', async () => {
    const p = dataPairs()[3];
    await lab.rootQuery(`UPDATE ${cinder()}.volumes SET status='available', attach_status='detached' WHERE id=?`, [p.volume]);
    await lab.rootQuery(
      `UPDATE ${cinder()}.volume_attachment SET deleted=1, deleted_at=UTC_TIMESTAMP(), attach_status='detached' WHERE volume_id=?`,
      [p.volume],
    );
    await lab.rootQuery(
      `UPDATE ${nova()}.block_device_mapping SET deleted=id, deleted_at=UTC_TIMESTAMP() WHERE volume_id=? AND instance_uuid=? AND deleted=0`,
      [p.volume, p.instance],
    );
    const r = await attach(p.instance, p.volume, p.device);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ volumeAttachment: { device: p.device, id: p.volume, serverId: p.instance, volumeId: p.volume } });
    const v = await waitFor(
      () => api(token, `${volume}/volumes/${p.volume}`),
      (x) => x.body.volume.status === 'in-use',
    );
    expect(v.body.volume.attachments).toHaveLength(1);
    expect(v.body.volume.attachments[0]).toMatchObject({ server_id: p.instance, device: p.device, host_name: p.host });
    const att = await lab.rootQuery<any[]>(`SELECT * FROM ${cinder()}.volume_attachment WHERE volume_id=? AND deleted=0`, [p.volume]);
    expect(att).toHaveLength(1);
    expect(att[0].attach_status).toBe('attached');
    const bdm = await lab.rootQuery<any[]>(`SELECT * FROM ${nova()}.block_device_mapping WHERE volume_id=? AND deleted=0`, [p.volume]);
    expect(bdm).toHaveLength(1);
    expect(bdm[0].attachment_id).toBe(att[0].id);
    expect(bdm[0].connection_info).toContain(`volume-${p.volume}`);
    const sessions = await readFile(hostPaths(lab.info.dir, p.host).sessions, 'utf8');
    expect(sessions).toMatch(new RegExp(`^tcp: \\[\\d+\\] 127\\.0\\.0\\.1:3260,1 iqn\\.2010-10\\.org\\.openstack:volume-${p.volume} \\(non-flash\\)$`, 'm'));
    // Attaching again now hits the BDM rule.
    expect((await attach(p.instance, p.volume)).status).toBe(400);
  });

  test('a taken device name is replaced by the next free one; ignoreRequestedDevice always does that', async () => {
    const inst = scenario.noVolumeInstances[0];
    const [a, b] = scenario.detached;
    const first = await attach(inst, a, '/dev/vdb');
    expect(first.body.volumeAttachment.device).toBe('/dev/vdb');
    const second = await attach(inst, b, '/dev/vdb');
    expect(second.body.volumeAttachment.device).toBe('/dev/vdc');
    const list = await api(token, `${compute}/servers/${inst}/os-volume_attachments`);
    expect(list.body.volumeAttachments.map((x: any) => x.device)).toEqual(['/dev/vdb', '/dev/vdc']);
    await lab.setSettings({ ignoreRequestedDevice: true });
    const inst2 = scenario.noVolumeInstances[1] ?? scenario.activeInstances[0];
    const vols = await lab.rootQuery<any[]>(`SELECT id FROM ${cinder()}.volumes WHERE status='available' ORDER BY id LIMIT 1`);
    const third = await attach(inst2, vols[0].id, '/dev/vdf');
    expect(third.body.volumeAttachment.device).toBe('/dev/vdb');
    await lab.setSettings({ ignoreRequestedDevice: false });
  });

  test('attaches are counted per volume', async () => {
    const s = await lab.stats();
    expect(s.attachesByVolume[dataPairs()[3].volume]).toBe(2);
    expect(s.requests['POST compute /servers/{id}/os-volume_attachments']).toBeGreaterThan(5);
  });
});
