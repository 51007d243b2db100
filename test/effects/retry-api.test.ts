// The retry policy against a real HTTP server on loopback: each kind of failure, what is retried,
// what is re-authenticated, and what comes back as a lost answer without being sent twice.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CloudAuth } from '../../src/config/types.js';
import { createOpenStackEffect } from '../../src/effects/openstack/create-openstack-effect.js';
import { CloudUnreachableError, parseRetryAfter, type RetryNotice, type RetryPolicy } from '../../src/effects/retry-policy.js';
import { rebootServer, showServer } from '../../src/operations/openstack/servers.js';

const uuid = '00000000-0000-4000-8000-000000000001';
const server1 = { id: uuid, name: 'vm1', status: 'ACTIVE', 'OS-EXT-STS:vm_state': 'active', 'OS-EXT-STS:task_state': null };

/** What the server does with one request to the compute API; the default answers normally. */
type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse) => void;
let script: Behaviour[] = [];
let computeRequests: { method: string; token: string | undefined }[] = [];
let rebootsApplied = 0;
let tokens = 0;
let server: http.Server;
let base: string;

const reply = (status: number, body?: unknown, headers: Record<string, string> = {}): Behaviour => (_req, res) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
};
const reset: Behaviour = (req) => req.socket.destroy();
const silent: Behaviour = () => undefined; // holds the request until the client gives up
const applyThenReset: Behaviour = (req) => {
  rebootsApplied++;
  req.socket.destroy();
};
const expired: Behaviour = reply(401, { error: { message: 'The request you have made requires authentication.' } });

function normally(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.method === 'POST') {
    rebootsApplied++;
    return reply(202)(req, res);
  }
  reply(200, { server: server1 })(req, res);
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url!, base);
      if (url.pathname === '/identity/v3/auth/tokens') {
        tokens++;
        res.writeHead(201, { 'Content-Type': 'application/json', 'X-Subject-Token': `tok-${tokens}` });
        res.end(JSON.stringify({ token: { project: { id: 'p1' }, user: { id: 'u1' }, catalog: [{ type: 'compute', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${base}/compute/v2.1` }] }] } }));
        return;
      }
      computeRequests.push({ method: req.method!, token: req.headers['x-auth-token'] as string | undefined });
      (script.shift() ?? normally)(req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

beforeEach(() => {
  script = [];
  computeRequests = [];
  rebootsApplied = 0;
  tokens = 0;
});

const auth = (): CloudAuth => ({
  authUrl: `${base}/identity/v3`,
  username: 'admin',
  password: 'pw',
  projectName: 'admin',
  userDomainName: 'Default',
  projectDomainName: 'Default',
  regionName: 'RegionOne',
  interface: 'public',
  source: 'test',
});

// Small numbers, a pinned jitter: each wait is known.
const fast: Partial<RetryPolicy> = { maxAttempts: 3, baseDelayMs: 40, maxDelayMs: 1000, maxRetryAfterMs: 300, random: () => 0.5 };
const effect = (retry: Partial<RetryPolicy> = {}, timeoutMs = 5000) => createOpenStackEffect(auth(), { concurrency: 4, timeoutMs, retry: { ...fast, ...retry } });

describe('retry policy: the Compute API', () => {
  it('retries a GET on 503 with exponential back-off and full jitter, telling each retry', async () => {
    script = [reply(503, { computeFault: { message: 'busy' } }), reply(502)];
    const notices: RetryNotice[] = [];
    const res = await effect().execute(showServer(uuid), (n) => notices.push(n));
    expect(res.ok).toBe(true);
    expect(computeRequests).toHaveLength(3);
    // ceiling 40 ms then 80 ms, times the pinned random 0.5
    expect(notices).toEqual([
      { failure: 'GET compute /servers/{id}: HTTP 503', attempt: 2, maxAttempts: 3, waitMs: 20 },
      { failure: 'GET compute /servers/{id}: HTTP 502', attempt: 3, maxAttempts: 3, waitMs: 40 },
    ]);
  });

  it('honours Retry-After in seconds and as an HTTP date, capped', async () => {
    script = [reply(503, { computeFault: { message: 'busy' } }, { 'Retry-After': '0' }), reply(503, {}, { 'Retry-After': new Date(Date.now() + 60_000).toUTCString() })];
    const notices: RetryNotice[] = [];
    const res = await effect().execute(showServer(uuid), (n) => notices.push(n));
    expect(res.ok).toBe(true);
    expect(notices.map((n) => n.waitMs)).toEqual([0, 300]); // "0" seconds as said; a minute cut to the cap
    expect(parseRetryAfter('7', 0)).toBe(7000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:58 GMT'))).toBe(2000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });

  it('stops after the bound: the item fails with the last answer', async () => {
    script = [reply(503, {}), reply(503, {}), reply(503, { computeFault: { message: 'still busy' } }), reply(503, {})];
    const res = await effect().execute(showServer(uuid));
    expect(res).toMatchObject({ ok: false, status: 503, error: 'HTTP 503: still busy' });
    expect(res.answerLost).toBeUndefined();
    expect(computeRequests).toHaveLength(3);
  });

  it('re-authenticates once on a 401 and repeats the request, a POST included (a 401 applied nothing)', async () => {
    script = [expired];
    const os = effect();
    const res = await os.execute(rebootServer(uuid, 'HARD'));
    expect(res).toMatchObject({ ok: true, status: 202 });
    expect(tokens).toBe(2);
    expect(computeRequests.map((r) => r.token)).toEqual(['tok-1', 'tok-2']);
    expect(rebootsApplied).toBe(1);
    // A second 401 in a row is an answer: credentials that no longer work are not retried forever.
    script = [expired, expired];
    const again = await os.execute(showServer(uuid));
    expect(again).toMatchObject({ ok: false, status: 401 });
    expect(tokens).toBe(3);
  });

  it('retries a GET whose connection was reset', async () => {
    script = [reset];
    const notices: RetryNotice[] = [];
    const res = await effect().execute(showServer(uuid), (n) => notices.push(n));
    expect(res.ok).toBe(true);
    expect(computeRequests).toHaveLength(2);
    expect(notices[0].failure).toMatch(/^GET compute \/servers\/\{id\}: /);
  });

  it('never repeats a POST whose connection was reset after the server applied it: a lost answer', async () => {
    script = [applyThenReset];
    const notices: RetryNotice[] = [];
    const res = await effect().execute(rebootServer(uuid, 'HARD'), (n) => notices.push(n));
    expect(res.ok).toBe(false);
    expect(res.answerLost).toBe(true);
    expect(res.error).toMatch(/^POST compute \/servers\/\{id\}\/action: no answer \(.+\); whether it was applied is unknown$/);
    expect(computeRequests).toHaveLength(1);
    expect(rebootsApplied).toBe(1);
    expect(notices).toEqual([]);
  });

  it('retries a GET that got no answer in time; a POST that got none is a lost answer', async () => {
    script = [silent];
    const os = effect({}, 300);
    const read = await os.execute(showServer(uuid));
    expect(read.ok).toBe(true);
    expect(computeRequests).toHaveLength(2);
    script = [silent];
    const write = await os.execute(rebootServer(uuid, 'HARD'));
    expect(write).toMatchObject({ ok: false, answerLost: true });
    expect(write.error).toContain('no answer within 300 ms');
    expect(computeRequests).toHaveLength(3);
  });

  it('retries a POST the service refused with a 503 and a body; a bare 503, 500 or 504 is a lost answer', async () => {
    script = [reply(503, { computeFault: { message: 'Service Unavailable' } })];
    const os = effect();
    expect(await os.execute(rebootServer(uuid, 'HARD'))).toMatchObject({ ok: true, status: 202 });
    expect(computeRequests).toHaveLength(2);
    for (const status of [503, 500, 504]) {
      computeRequests = [];
      script = [status === 503 ? reply(503) : reply(status, { computeFault: { message: 'gateway' } })];
      const res = await os.execute(rebootServer(uuid, 'HARD'));
      expect(res).toMatchObject({ ok: false, status, answerLost: true });
      expect(computeRequests).toHaveLength(1);
    }
  });

  it('stops with a clear error when the cloud answers nothing for the budget, not after every attempt', async () => {
    script = Array.from({ length: 1000 }, () => reset);
    const notices: RetryNotice[] = [];
    const os = effect({ maxAttempts: 1000, baseDelayMs: 50, maxDelayMs: 50, silenceBudgetMs: 400 });
    const failed = await os.execute(showServer(uuid), (n) => notices.push(n)).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(CloudUnreachableError);
    expect((failed as Error).message).toMatch(/^the cloud \(http:\/\/127\.0\.0\.1:\d+\/identity\/v3\) answered nothing for 400 ms \(last: GET compute \/servers\/\{id\}: .+\); the run stopped rather than retry on$/);
    expect((failed as CloudUnreachableError).exitCode).toBe(1);
    expect(notices.length).toBeGreaterThan(0);
    expect(notices.length).toBeLessThan(100);
  });
});
