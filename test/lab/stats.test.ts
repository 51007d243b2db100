import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestLab, labToken, type TestLab } from '../support/lab.js';
import { api } from './api-helpers.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await createTestLab();
});
afterAll(async () => lab?.destroy());

test('stats count requests by shape and reset; settings change live', async () => {
  const s = await lab.scenario('power-loss', { seed: 1 });
  await lab.resetStats();
  const { token, compute, volume } = await labToken(lab.info);
  await api(token, `${compute}/servers/detail?all_tenants=1`);
  await api(token, `${compute}/servers/${s.affectedInstances[0]}`);
  await api(token, `${compute}/servers/${s.affectedInstances[1]}`);
  await api(token, `${volume}/volumes/detail?all_tenants=1`);
  await api(token, `${compute}/servers/${s.affectedInstances[0]}/action`, { method: 'POST', body: { reboot: { type: 'HARD' } } });
  const st = await lab.stats();
  expect(st.requests).toEqual({
    'POST identity /auth/tokens': 1,
    'GET compute /servers/detail': 1,
    'GET compute /servers/{id}': 2,
    'GET volumev3 /volumes/detail': 1,
    'POST compute /servers/{id}/action:reboot': 1,
  });
  expect(st.mutatingRequests).toBe(1);
  expect(st.rebootsByServer).toEqual({ [s.affectedInstances[0]]: 1 });
  await lab.resetStats();
  expect((await lab.stats()).requests).toEqual({});
  const settings = await lab.setSettings({ latencyMs: 40 });
  expect(settings.latencyMs).toBe(40);
  const t0 = Date.now();
  await api(token, `${compute}/servers/${s.affectedInstances[0]}`);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(35);
  const bad = await fetch(`${lab.info.api.url}/_lab/settings`, { method: 'POST', body: JSON.stringify({ latencyMs: -1 }) });
  expect(bad.status).toBe(400);
});
