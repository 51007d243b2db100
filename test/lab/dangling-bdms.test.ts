// The lab's compute squaring an instance's volume attachments with Cinder when it takes a reboot,
// as Nova does from 2023.2 (compute/manager.py _delete_dangling_bdms), over the lab's HTTP API:
// as epoxy, a BDM whose attachment is gone from Cinder is soft-deleted, a BDM without
// attachment_id is not checked, and a Cinder attachment no BDM names is deleted through Cinder;
// as zed, the reboot leaves all three.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestLab, labToken, type TestLab } from '../support/lab.js';
import type { LabRelease } from '../../src/lab/types.js';
import type { ScenarioSummary } from '../../src/lab/index.js';
import { api, waitFor } from './api-helpers.js';

let lab: TestLab;
let token: string;
let compute: string;

beforeAll(async () => {
  lab = await createTestLab({ hosts: 2 });
  ({ token, compute } = await labToken(lab.info));
});
afterAll(async () => lab?.destroy());

type Pair = ScenarioSummary['attached'][number];

/** A stopped instance with at least four data volumes of its own (none shared). */
function pickInstance(s: ScenarioSummary): { uuid: string; pairs: Pair[]; schema: string } {
  const shared = new Set((s.multiattach?.attachments ?? []).map((a) => a.volume));
  for (const i of s.instances.filter((x) => x.vmState === 'stopped')) {
    const pairs = s.attached.filter((p) => p.instance === i.uuid && !shared.has(p.volume));
    if (pairs.length >= 4) return { uuid: i.uuid, pairs, schema: s.cells.find((c) => c.name === i.cell)!.schema };
  }
  throw new Error('no stopped instance with four data volumes');
}

describe.each(['epoxy', 'zed'] as LabRelease[])('a reboot with the lab as %s', (release) => {
  test(release === 'epoxy' ? 'removes what Nova 2023.2 removes, and only that' : 'leaves every dangling attachment as it was', async () => {
    await lab.setSettings({ release });
    const s = await lab.scenario('power-loss', { instances: 6, volumes: 20, seed: 5 });
    const { uuid, pairs, schema } = pickInstance(s);
    const [gone, legacy, forgotten, intact] = pairs;
    const cinder = `\`${lab.info.db.schemas.cinder}\``;
    const bdm = `\`${schema}\`.block_device_mapping`;
    const bdmOf = async (p: Pair) =>
      (await lab.rootQuery<{ id: number; deleted: number }[]>(`SELECT id, deleted FROM ${bdm} WHERE volume_id = ? AND instance_uuid = ? ORDER BY id`, [p.volume, uuid]))[0];
    const dropCinderSide = (p: Pair) =>
      lab.rootQuery(`UPDATE ${cinder}.volume_attachment SET deleted = 1, deleted_at = UTC_TIMESTAMP(), attach_status = 'detached' WHERE id = ?`, [p.attachmentId]);
    // gone: Cinder's attachment deleted, the BDM kept. legacy: the same, on a BDM without
    // attachment_id. forgotten: Nova's BDM deleted, Cinder's attachment kept.
    await dropCinderSide(gone);
    await dropCinderSide(legacy);
    await lab.rootQuery(`UPDATE ${bdm} SET attachment_id = NULL WHERE volume_id = ? AND instance_uuid = ?`, [legacy.volume, uuid]);
    await lab.rootQuery(`UPDATE ${bdm} SET deleted = id, deleted_at = UTC_TIMESTAMP() WHERE volume_id = ? AND instance_uuid = ?`, [forgotten.volume, uuid]);
    const goneBdm = await bdmOf(gone);

    expect((await api(token, `${compute}/servers/${uuid}/action`, { method: 'POST', body: { reboot: { type: 'HARD' } } })).status).toBe(202);
    await waitFor(
      () => api(token, `${compute}/servers/${uuid}`),
      (r) => r.body.server.status === 'ACTIVE',
    );

    const epoxy = release === 'epoxy';
    expect(await bdmOf(gone)).toEqual({ id: goneBdm.id, deleted: epoxy ? goneBdm.id : 0 });
    expect((await bdmOf(legacy)).deleted).toBe(0);
    expect((await bdmOf(intact)).deleted).toBe(0);
    const attachment = async (p: Pair) =>
      (await lab.rootQuery<{ deleted: number; attach_status: string }[]>(`SELECT deleted, attach_status FROM ${cinder}.volume_attachment WHERE id = ?`, [p.attachmentId]))[0];
    const volume = async (p: Pair) =>
      (await lab.rootQuery<{ status: string; attach_status: string }[]>(`SELECT status, attach_status FROM ${cinder}.volumes WHERE id = ?`, [p.volume]))[0];
    expect(await attachment(forgotten)).toEqual(epoxy ? { deleted: 1, attach_status: 'detached' } : { deleted: 0, attach_status: 'attached' });
    expect(await volume(forgotten)).toEqual(epoxy ? { status: 'available', attach_status: 'detached' } : { status: 'in-use', attach_status: 'attached' });
    expect(await attachment(intact)).toEqual({ deleted: 0, attach_status: 'attached' });
    expect(await volume(intact)).toEqual({ status: 'in-use', attach_status: 'attached' });
  });
});
