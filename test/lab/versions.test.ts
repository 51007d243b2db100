// The lab's version documents, over HTTP, as each release answers them: Nova's GET /v2.1/ ("version"
// is the highest microversion: Zed 2.93, 2025.1 Epoxy 2.100), the range the compute API then
// accepts (406 above it), and Placement's GET / (1.0-1.39). The release is the lab option
// `release` (lab up --release), switched live here through /_lab/settings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestLab, labToken, type TestLab } from '../support/lab.js';
import { api, novaAt } from './api-helpers.js';

let lab: TestLab;
let token: string;
let compute: string;
beforeAll(async () => {
  lab = await createTestLab({ hosts: 1 });
  ({ token, compute } = await labToken(lab.info));
});
afterAll(async () => lab?.destroy());

describe('version documents', () => {
  it('zed (the default): compute 2.1-2.93, and a request above 2.93 is refused with 406', async () => {
    expect((await lab.setSettings({})).release).toBe('zed');
    const doc = await api(token, `${compute}/`);
    expect(doc.status).toBe(200);
    expect(doc.body.version).toMatchObject({ id: 'v2.1', status: 'CURRENT', version: '2.93', min_version: '2.1' });
    expect(doc.body.version.links[0]).toEqual({ href: `${lab.info.api.url}/compute/v2.1/`, rel: 'self' });
    // Without the trailing slash, the same document.
    expect((await api(token, compute)).body).toEqual(doc.body);
    const above = await api(token, `${compute}/servers/detail`, { headers: novaAt('2.95') });
    expect(above.status).toBe(406);
    expect(above.body.computeFault.message).toBe('Version 2.95 is not supported by the API. Minimum is 2.1 and maximum is 2.93.');
    expect((await api(token, `${compute}/servers/detail`, { headers: novaAt('latest') })).headers.get('openstack-api-version')).toBe('compute 2.93');
  });

  it('epoxy: compute 2.1-2.100; 2.95 and 2.100 are accepted, 2.101 is not', async () => {
    await lab.setSettings({ release: 'epoxy' });
    try {
      const doc = await api(token, `${compute}/`);
      expect(doc.body.version).toMatchObject({ id: 'v2.1', version: '2.100', min_version: '2.1' });
      for (const v of ['2.95', '2.100']) {
        const r = await api(token, `${compute}/servers/detail`, { headers: novaAt(v) });
        expect(r.status, v).toBe(200);
        expect(r.headers.get('openstack-api-version')).toBe(`compute ${v}`);
      }
      const above = await api(token, `${compute}/servers/detail`, { headers: novaAt('2.101') });
      expect(above.status).toBe(406);
      expect(above.body.computeFault.message).toContain('maximum is 2.100');
    } finally {
      await lab.setSettings({ release: 'zed' });
    }
  });

  it('a release the lab does not know is refused, and nothing changes', async () => {
    const r = await fetch(`${lab.info.api.url}/_lab/settings`, { method: 'POST', body: JSON.stringify({ release: 'antelope' }), headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(400);
    expect((await lab.setSettings({})).release).toBe('zed');
  });

  it("Placement's document: 1.0-1.39", async () => {
    const doc = await api(token, `${lab.info.api.url}/placement/`);
    expect(doc.status).toBe(200);
    expect(doc.body.versions).toEqual([expect.objectContaining({ id: 'v1.0', min_version: '1.0', max_version: '1.39', status: 'CURRENT' })]);
  });
});
