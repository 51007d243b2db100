import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestLab, labToken, type TestLab } from '../support/lab.js';
import { api, waitFor } from './api-helpers.js';

let lab: TestLab;
let token: string;
let compute: string;
let scenario: Awaited<ReturnType<TestLab['scenario']>>;
const nova = () => `\`${lab.info.db.schemas.nova}\``;

beforeAll(async () => {
  lab = await createTestLab({ settings: { rebootMs: 300 } });
  scenario = await lab.scenario('power-loss', { seed: 3 });
  ({ token, compute } = await labToken(lab.info));
});
afterAll(async () => lab?.destroy());

const reboot = (id: string, type = 'HARD') => api(token, `${compute}/servers/${id}/action`, { method: 'POST', body: { reboot: { type } } });

describe('reboot', () => {
  test('hard reboot of a SHUTOFF instance moves task_state and ends ACTIVE, with an instance action', async () => {
    const id = scenario.affectedInstances[0];
    const r = await reboot(id);
    expect(r.status).toBe(202);
    const during = await api(token, `${compute}/servers/${id}`);
    expect(['rebooting_hard', 'reboot_pending_hard', 'reboot_started_hard']).toContain(during.body.server['OS-EXT-STS:task_state']);
    const after = await waitFor(
      () => api(token, `${compute}/servers/${id}`),
      (x) => x.body.server.status === 'ACTIVE',
    );
    expect(after.body.server['OS-EXT-STS:power_state']).toBe(1);
    expect(after.body.server['OS-EXT-STS:task_state']).toBeNull();
    const actions = await api(token, `${compute}/servers/${id}/os-instance-actions`);
    const rb = actions.body.instanceActions.find((a: any) => a.action === 'reboot');
    expect(rb.request_id).toMatch(/^req-[0-9a-f-]{36}$/);
    expect(rb.start_time).toBeTruthy();
  });

  test('task_state outside ALLOW_REBOOT is 409 conflictingRequest with the real message', async () => {
    const id = scenario.affectedInstances[1];
    await lab.rootQuery(`UPDATE ${nova()}.instances SET task_state = 'deleting' WHERE uuid = ?`, [id]);
    const r = await reboot(id);
    expect(r.status).toBe(409);
    expect(r.body).toEqual({
      conflictingRequest: { code: 409, message: `Cannot 'reboot' instance ${id} while it is in task_state deleting` },
    });
    await lab.rootQuery(`UPDATE ${nova()}.instances SET task_state = NULL WHERE uuid = ?`, [id]);
  });

  test('vm_state outside ALLOW_HARD_REBOOT is 409; soft reboot of a stopped instance is 409', async () => {
    const id = scenario.affectedInstances[2];
    await lab.rootQuery(`UPDATE ${nova()}.instances SET vm_state = 'building' WHERE uuid = ?`, [id]);
    const r = await reboot(id);
    expect(r.status).toBe(409);
    expect(r.body.conflictingRequest.message).toBe(`Cannot 'reboot' instance ${id} while it is in vm_state building`);
    await lab.rootQuery(`UPDATE ${nova()}.instances SET vm_state = 'stopped' WHERE uuid = ?`, [id]);
    const soft = await reboot(id, 'SOFT');
    expect(soft.status).toBe(409);
    expect(soft.body.conflictingRequest.message).toBe(`Cannot 'reboot' instance ${id} while it is in vm_state stopped`);
  });

  test('an instance in error accepts a HARD reboot (vm_states.ALLOW_HARD_REBOOT includes error)', async () => {
    const id = scenario.errorInstances[0];
    expect((await reboot(id)).status).toBe(202);
  });

  test('reboots are counted per server', async () => {
    const s = await lab.stats();
    expect(s.rebootsByServer[scenario.affectedInstances[0]]).toBe(1);
    expect(s.requests['POST compute /servers/{id}/action:reboot']).toBeGreaterThanOrEqual(4);
  });
});
