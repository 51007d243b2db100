// Keystone v3: password auth with project scope, and the catalog pointing at this simulator.
import { ADMIN_PROJECT_ID, ADMIN_USER_ID } from '../types.js';
import type { Ctx, Reply } from './context.js';
import { keystoneError } from './http-util.js';
import type { TokenInfo } from './tokens.js';

const DEFAULT_DOMAIN = { id: 'default', name: 'Default' };
const UNAUTHORIZED = 'The request you have made requires authentication.';

function domainMatches(d: unknown): boolean {
  if (!d || typeof d !== 'object') return false;
  const o = d as { id?: string; name?: string };
  return o.id === 'default' || o.name === 'Default';
}

export async function handleIdentity(ctx: Ctx): Promise<Reply> {
  const { method, path } = ctx;
  if (method === 'GET' && (path === '' || path === '/')) return { status: 200, body: versionDoc(ctx) };
  if (path === '/auth/tokens' && method === 'POST') return issueToken(ctx);
  if (path === '/auth/tokens' && method === 'GET') {
    const subject = ctx.sim.tokens.check(header(ctx, 'x-subject-token'));
    if (!ctx.token) throw keystoneError(401, UNAUTHORIZED);
    if (!subject) throw keystoneError(404, 'Could not find token.');
    return { status: 200, body: tokenBody(ctx, subject), headers: { 'X-Subject-Token': subject.id } };
  }
  throw keystoneError(404, 'The resource could not be found.');
}

function header(ctx: Ctx, name: string): string | undefined {
  const v = ctx.req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function issueToken(ctx: Ctx): Promise<Reply> {
  const body = ctx.body as any;
  const identity = body?.auth?.identity;
  if (!identity || !Array.isArray(identity.methods)) {
    throw keystoneError(400, "Invalid input for field 'identity': 'methods' is a required property");
  }
  if (!identity.methods.includes('password') || !identity.password?.user) {
    throw keystoneError(401, UNAUTHORIZED);
  }
  const user = identity.password.user;
  const userOk =
    (user.name === 'admin' && domainMatches(user.domain)) || user.id === ADMIN_USER_ID;
  if (!userOk || user.password !== ctx.sim.adminPassword) throw keystoneError(401, UNAUTHORIZED);
  const project = body.auth.scope?.project;
  const projectOk =
    project && ((project.name === 'admin' && domainMatches(project.domain)) || project.id === ADMIN_PROJECT_ID);
  if (!projectOk) throw keystoneError(401, UNAUTHORIZED);
  const token = ctx.sim.tokens.issue({ id: ADMIN_USER_ID, name: 'admin' }, { id: ADMIN_PROJECT_ID, name: 'admin' });
  return { status: 201, body: tokenBody(ctx, token), headers: { 'X-Subject-Token': token.id } };
}

function keystoneTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function tokenBody(ctx: Ctx, t: TokenInfo) {
  const base = ctx.sim.baseUrl;
  const endpoints = (id: string, url: string) =>
    (['public', 'internal', 'admin'] as const).map((iface, i) => ({
      id: `${id}${i}`,
      interface: iface,
      region_id: 'RegionOne',
      region: 'RegionOne',
      url,
    }));
  return {
    token: {
      methods: ['password'],
      user: { domain: DEFAULT_DOMAIN, id: t.userId, name: t.userName, password_expires_at: null },
      audit_ids: [t.auditId],
      expires_at: keystoneTime(t.expiresAt),
      issued_at: keystoneTime(t.issuedAt),
      project: { domain: DEFAULT_DOMAIN, id: t.projectId, name: t.projectName },
      is_domain: false,
      roles: [
        { id: '1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d60', name: 'admin' },
        { id: '2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c70', name: 'member' },
        { id: '3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b80', name: 'reader' },
      ],
      catalog: [
        { id: 'c0mpute0000000000000000000000001', type: 'compute', name: 'nova', endpoints: endpoints('e0c', `${base}/compute/v2.1`) },
        {
          id: 'v0lumev3000000000000000000000002',
          type: 'volumev3',
          name: 'cinderv3',
          endpoints: endpoints('e0v', `${base}/volume/v3/${t.projectId}`),
        },
        { id: '1dentity000000000000000000000003', type: 'identity', name: 'keystone', endpoints: endpoints('e0i', `${base}/identity`) },
        { id: 'p1acement00000000000000000000004', type: 'placement', name: 'placement', endpoints: endpoints('e0p', `${base}/placement`) },
      ],
    },
  };
}

function versionDoc(ctx: Ctx) {
  return {
    version: {
      id: 'v3.14',
      status: 'stable',
      updated: '2020-04-07T00:00:00Z',
      links: [{ rel: 'self', href: `${ctx.sim.baseUrl}/identity/v3/` }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
    },
  };
}
