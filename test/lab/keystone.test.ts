import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestLab, labToken, type TestLab } from '../support/lab.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await createTestLab();
});
afterAll(async () => lab?.destroy());

describe('keystone v3', () => {
  test('password auth returns a token and a catalog on loopback', async () => {
    const { token, compute, volume } = await labToken(lab.info);
    expect(token).toMatch(/^gAAAAA/);
    expect(compute).toBe(`${lab.info.api.url}/compute/v2.1`);
    expect(volume).toMatch(new RegExp(`^${lab.info.api.url}/volume/v3/[0-9a-f]{32}$`));
  });

  test('wrong password is 401 with the keystone error body', async () => {
    const r = await fetch(`${lab.info.api.authUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: 'nope' } } },
          scope: { project: { name: 'admin', domain: { name: 'Default' } } },
        },
      }),
    });
    expect(r.status).toBe(401);
    expect(r.headers.get('x-subject-token')).toBeNull();
    expect(await r.json()).toEqual({
      error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
    });
  });

  test('compute and volume calls without a valid token are 401', async () => {
    for (const path of ['/compute/v2.1/servers/detail', `/volume/v3/${'0'.repeat(32)}/volumes/detail`]) {
      const r = await fetch(`${lab.info.api.url}${path}`, { headers: { 'x-auth-token': 'gAAAAAbogus' } });
      expect(r.status).toBe(401);
      expect(((await r.json()) as any).error.code).toBe(401);
    }
  });

  test('the token body names user, project, roles and expiry', async () => {
    const { token } = await labToken(lab.info);
    const r = await fetch(`${lab.info.api.authUrl}/auth/tokens`, { headers: { 'x-auth-token': token, 'x-subject-token': token } });
    const body = (await r.json()) as any;
    expect(body.token.user.name).toBe('admin');
    expect(body.token.project.name).toBe('admin');
    expect(body.token.roles.map((x: any) => x.name)).toContain('admin');
    expect(Date.parse(body.token.expires_at)).toBeGreaterThan(Date.now());
  });
});
