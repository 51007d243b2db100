import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CloudAuth } from '../../src/config/types.js';
import { createOpenStackEffect } from '../../src/effects/openstack/create-openstack-effect.js';
import { attachVolume } from '../../src/operations/openstack/attachments.js';
import { listServers, rebootServer, showServer } from '../../src/operations/openstack/servers.js';
import { listVolumes } from '../../src/operations/openstack/volumes.js';

// A tiny Keystone/Nova/Cinder look-alike on loopback: just enough to exercise the client.
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const servers = Array.from({ length: 7 }, (_, i) => ({
  id: uuid(i + 1),
  name: `vm${i + 1}`,
  status: 'ACTIVE',
  'OS-EXT-STS:vm_state': 'active',
  'OS-EXT-STS:task_state': null,
  'OS-EXT-STS:power_state': 1,
  'OS-EXT-SRV-ATTR:host': 'compute1',
  addresses: { private: [{ addr: `10.0.0.${i + 1}`, version: 4, 'OS-EXT-IPS:type': 'fixed' }] },
  'os-extended-volumes:volumes_attached': [{ id: uuid(100 + i) }],
}));

let server: http.Server;
let base: string;
let requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
let inFlight = 0;
let maxInFlight = 0;
let authCount = 0;
let fail503 = 0;
let delayMs = 0;

function send(res: http.ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      inFlight--;
      const url = new URL(req.url!, base);
      if (url.pathname === '/identity/v3/auth/tokens' && req.method === 'POST') {
        authCount++;
        const auth = JSON.parse(body).auth;
        if (auth.identity.password.user.password !== 'right') {
          return send(res, 401, { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
        }
        return send(
          res,
          201,
          {
            token: {
              project: { id: 'p1' },
              user: { id: 'u1' },
              catalog: [
                { type: 'compute', endpoints: [
                  { interface: 'public', region_id: 'Other', url: `${base}/wrong` },
                  { interface: 'public', region_id: 'RegionOne', url: `${base}/compute/v2.1/` },
                  { interface: 'internal', region_id: 'RegionOne', url: `${base}/internal` },
                ] },
                { type: 'volumev3', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${base}/volume/v3/p1` }] },
              ],
            },
          },
          { 'X-Subject-Token': 'tok-1' },
        );
      }
      if (req.headers['x-auth-token'] !== 'tok-1') return send(res, 401, { error: { message: 'bad token' } });
      if (url.pathname === '/compute/v2.1/servers/detail') {
        if (fail503 > 0) {
          fail503--;
          return send(res, 503, { computeFault: { message: 'busy' } });
        }
        const limit = Number(url.searchParams.get('limit') ?? 1000);
        const marker = url.searchParams.get('marker');
        const start = marker ? servers.findIndex((s) => s.id === marker) + 1 : 0;
        return send(res, 200, { servers: servers.slice(start, start + limit) });
      }
      const action = /^\/compute\/v2\.1\/servers\/([^/]+)\/action$/.exec(url.pathname);
      if (action) {
        if (action[1] === uuid(2)) return send(res, 409, { conflictingRequest: { code: 409, message: "Cannot 'reboot' instance while it is in vm_state error" } });
        return send(res, 202);
      }
      const one = /^\/compute\/v2\.1\/servers\/([^/]+)$/.exec(url.pathname);
      if (one) {
        const s = servers.find((x) => x.id === one[1]);
        return s ? send(res, 200, { server: s }) : send(res, 404, { itemNotFound: { code: 404, message: `Instance ${one[1]} could not be found.` } });
      }
      if (url.pathname.endsWith('/os-volume_attachments') && req.method === 'POST') {
        return send(res, 400, { badRequest: { code: 400, message: `Invalid volume: volume ${JSON.parse(body).volumeAttachment.volumeId} is already attached to instances: x` } });
      }
      if (url.pathname === '/volume/v3/p1/volumes/detail') {
        return send(res, 200, {
          volumes: [{ id: uuid(100), name: 'data', status: 'in-use', multiattach: false, bootable: 'false', attachments: [{ server_id: uuid(1), attachment_id: 'a1', device: '/dev/vdb', host_name: 'compute1', volume_id: uuid(100) }] }],
        });
      }
      send(res, 404, { itemNotFound: { message: 'no such path' } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

beforeEach(() => {
  requests = [];
  maxInFlight = 0;
  authCount = 0;
  fail503 = 0;
  delayMs = 0;
});

const auth = (password = 'right'): CloudAuth => ({
  authUrl: `${base}/identity/v3`,
  username: 'admin',
  password,
  projectName: 'admin',
  userDomainName: 'Default',
  projectDomainName: 'Default',
  regionName: 'RegionOne',
  interface: 'public',
  source: 'test',
});

describe('openstack effect', () => {
  it('authenticates once (shared by concurrent callers) and picks endpoints by interface and region', async () => {
    const os = createOpenStackEffect(auth(), { concurrency: 4, timeoutMs: 5000 });
    const [a, b] = await Promise.all([os.identity(), os.identity()]);
    expect(a).toBe(b);
    expect(authCount).toBe(1);
    expect(a.token).toBe('tok-1');
    expect(a.projectId).toBe('p1');
    expect(a.endpoints.compute).toBe(`${base}/compute/v2.1`);
    expect(a.endpoints.volumev3).toBe(`${base}/volume/v3/p1`);
    const sent = JSON.parse(requests[0].body);
    expect(sent.auth.identity.password.user).toEqual({ name: 'admin', domain: { name: 'Default' }, password: 'right' });
    expect(sent.auth.scope.project).toEqual({ name: 'admin', domain: { name: 'Default' } });
  });

  it('follows limit/marker pagination and parses servers', async () => {
    const os = createOpenStackEffect(auth(), { concurrency: 4, timeoutMs: 5000 });
    const op = { ...listServers({ allProjects: true, host: 'compute1' }), paginate: { collection: 'servers', pageSize: 3 } };
    const res = await os.execute(op);
    expect(res.ok).toBe(true);
    expect(res.value!.map((s) => s.name)).toEqual(['vm1', 'vm2', 'vm3', 'vm4', 'vm5', 'vm6', 'vm7']);
    expect(res.value![0]).toEqual({
      id: uuid(1),
      name: 'vm1',
      status: 'ACTIVE',
      vmState: 'active',
      taskState: null,
      powerState: 1,
      host: 'compute1',
      addresses: [{ addr: '10.0.0.1', type: 'fixed', network: 'private' }],
      volumesAttached: [uuid(100)],
      updatedAt: null,
      node: null,
      imageId: null,
      metadata: {},
      projectId: null,
      userId: null,
      fault: null,
    });
    const pages = requests.filter((r) => r.url.startsWith('/compute/v2.1/servers/detail'));
    expect(pages.map((r) => new URL(r.url, base).searchParams.get('marker'))).toEqual([null, uuid(3), uuid(6)]);
    expect(new URL(pages[0].url, base).searchParams.get('all_tenants')).toBe('1');
    expect(new URL(pages[0].url, base).searchParams.get('host')).toBe('compute1');
    expect(os.requestCounts()).toEqual({ 'GET compute /servers/detail': 3, 'POST identity /auth/tokens': 1 });
  });

  it('says the credentials were refused on a Keystone 401, without the password', async () => {
    const os = createOpenStackEffect(auth('wrong-pass-123'), { concurrency: 4, timeoutMs: 5000 });
    const res = await os.execute(showServer(uuid(1)));
    expect(res.ok).toBe(false);
    expect(res.error).toContain(`refused the credentials of user 'admin'`);
    expect(res.error).toContain(`${base}/identity/v3`);
    expect(res.error).not.toContain('wrong-pass-123');
    await expect(os.identity()).rejects.toThrow(/refused the credentials/);
  });

  it('reports the API message of an error body and the status', async () => {
    const os = createOpenStackEffect(auth(), { concurrency: 4, timeoutMs: 5000 });
    const reboot = await os.execute(rebootServer(uuid(2), 'HARD'));
    expect(reboot).toMatchObject({ ok: false, status: 409, error: "HTTP 409: Cannot 'reboot' instance while it is in vm_state error" });
    const attach = await os.execute(attachVolume(uuid(1), uuid(100), '/dev/vdb'));
    expect(attach.error).toBe(`HTTP 400: Invalid volume: volume ${uuid(100)} is already attached to instances: x`);
    const missing = await os.execute(showServer(uuid(99)));
    expect(missing.error).toBe(`HTTP 404: Instance ${uuid(99)} could not be found.`);
    const ok = await os.execute(rebootServer(uuid(1), 'HARD'));
    expect(ok).toMatchObject({ ok: true, status: 202 });
    const rebootReq = requests.find((r) => r.url === `/compute/v2.1/servers/${uuid(1)}/action`)!;
    expect(JSON.parse(rebootReq.body)).toEqual({ reboot: { type: 'HARD' } });
    expect(os.requestCounts()).toEqual({
      'GET compute /servers/{id}': 1,
      'POST compute /servers/{id}/action': 2,
      'POST compute /servers/{id}/os-volume_attachments': 1,
      'POST identity /auth/tokens': 1,
    });
  });

  it('bounds concurrency', async () => {
    delayMs = 30;
    const os = createOpenStackEffect(auth(), { concurrency: 3, timeoutMs: 5000 });
    const results = await Promise.all(Array.from({ length: 20 }, () => os.execute(showServer(uuid(1)))));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(maxInFlight).toBe(3);
  });

  it('retries an idempotent GET on 503, never a POST', async () => {
    const os = createOpenStackEffect(auth(), { concurrency: 3, timeoutMs: 5000, retry: { baseDelayMs: 5 } });
    fail503 = 2;
    const res = await os.execute(listServers({ allProjects: true }));
    expect(res.ok).toBe(true);
    expect(res.value).toHaveLength(7);
    expect(requests.filter((r) => r.url.startsWith('/compute/v2.1/servers/detail'))).toHaveLength(3);
  });

  it('sends microversion headers', async () => {
    const os = createOpenStackEffect(auth(), { concurrency: 3, timeoutMs: 5000 });
    await os.execute({ ...showServer(uuid(1)), microversion: '2.89' });
    await os.execute({ ...listVolumes({ allProjects: true }), microversion: '3.27' });
    const s = requests.find((r) => r.url.startsWith('/compute/v2.1/servers/'))!;
    expect(s.headers['x-openstack-nova-api-version']).toBe('2.89');
    expect(s.headers['openstack-api-version']).toBe('compute 2.89');
    const v = requests.find((r) => r.url.startsWith('/volume/'))!;
    expect(v.headers['openstack-api-version']).toBe('volume 3.27');
  });

  it('parses volumes', async () => {
    const os = createOpenStackEffect(auth(), { concurrency: 3, timeoutMs: 5000 });
    const res = await os.execute(listVolumes({ allProjects: true }));
    expect(res.value).toEqual([
      { id: uuid(100), name: 'data', status: 'in-use', multiattach: false, bootable: false, attachments: [{ serverId: uuid(1), attachmentId: 'a1', device: '/dev/vdb', hostName: 'compute1' }] },
    ]);
  });

  it('names the URL when the connection is refused', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const os = createOpenStackEffect({ ...auth(), authUrl: `http://127.0.0.1:${port}/v3` }, { concurrency: 2, timeoutMs: 2000 });
    const res = await os.execute(showServer(uuid(1)));
    expect(res.error).toBe(`cannot reach Keystone at http://127.0.0.1:${port}/v3: ECONNREFUSED (credentials from test)`);
  });
});
