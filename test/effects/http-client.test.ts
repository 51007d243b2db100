// The OpenStack client's HTTP against a real node:http server on loopback: sockets kept alive and
// bounded, and each failure in the shape the retry policy reads (sent and lost, or never sent).
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpClient, header, HttpNetworkError, HttpTimeoutError } from '../../src/effects/openstack/http-client.js';
import { networkReason } from '../../src/effects/openstack/api-error.js';
import { httpVerdict, networkFailureSent } from '../../src/effects/retry-policy.js';

/** What the server does with one request, once its body has been read. */
type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;
let behaviour: Behaviour;
let connections = 0;
let received: { method: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
const closed: Promise<void>[] = [];
let server: http.Server;
let base: string;

const answer: Behaviour = (_req, res, body) => {
  res.writeHead(200, 'Fine', { 'Content-Type': 'application/json', 'Retry-After': '7' });
  res.end(JSON.stringify({ echo: body }));
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      received.push({ method: req.method!, headers: req.headers, body });
      behaviour(req, res, body);
    });
  });
  server.on('connection', (socket) => {
    connections++;
    closed.push(new Promise((r) => socket.on('close', () => r())));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

beforeEach(() => {
  behaviour = answer;
  connections = 0;
  received = [];
});

const client = (timeoutMs = 5000, maxSockets = 4) => createHttpClient({ maxSockets, timeoutMs, userAgent: 'novaops/test (pid 1)' });

/** The rejection of a request that must fail. */
async function failure(p: Promise<unknown>): Promise<Error> {
  const outcome = await p.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!outcome) throw new Error('the request succeeded');
  return outcome;
}

describe('the OpenStack HTTP client', () => {
  it('sends the method, headers, user agent and a JSON body with its length; returns status, headers and text', async () => {
    const res = await client()(`${base}/compute/v2.1/servers?limit=2`, { method: 'POST', headers: { 'X-Auth-Token': 't1', 'Content-Type': 'application/json' }, body: '{"a":"é"}' });
    expect(res).toMatchObject({ status: 200, statusText: 'Fine', text: JSON.stringify({ echo: '{"a":"é"}' }) });
    expect(header(res, 'Retry-After')).toBe('7');
    expect(received).toHaveLength(1);
    expect(received[0].headers).toMatchObject({ 'x-auth-token': 't1', 'user-agent': 'novaops/test (pid 1)', 'content-length': String(Buffer.byteLength('{"a":"é"}')) });
  });

  it('keeps one socket alive for sequential requests', async () => {
    const send = client();
    for (let i = 0; i < 20; i++) expect((await send(`${base}/r/${i}`, { method: 'GET', headers: {} })).status).toBe(200);
    expect(received).toHaveLength(20);
    expect(connections).toBe(1);
  });

  it('opens at most maxSockets to one origin, requests beyond them wait for a free one', async () => {
    const held: (() => void)[] = [];
    // Hold every request until three are in: a fourth socket would make a fourth arrive first.
    behaviour = (req, res, body) => {
      held.push(() => answer(req, res, body));
      if (held.length === 3) held.splice(0).forEach((release) => release());
    };
    const send = client(5000, 3);
    const all = await Promise.all(Array.from({ length: 9 }, (_, i) => send(`${base}/r/${i}`, { method: 'GET', headers: {} })));
    expect(all.map((r) => r.status)).toEqual(Array(9).fill(200));
    expect(connections).toBe(3);
  });

  it('closes a socket idle for idleSocketMs, and the next request opens a new one', async () => {
    const send = createHttpClient({ maxSockets: 4, timeoutMs: 5000, userAgent: 'novaops/test', idleSocketMs: 100 });
    const before = closed.length;
    await send(`${base}/r/1`, { method: 'GET', headers: {} });
    await closed[before];
    expect((await send(`${base}/r/2`, { method: 'GET', headers: {} })).status).toBe(200);
    expect(connections).toBe(2);
  });

  it('waits longer than idleSocketMs for a slow answer: the idle limit is for sockets without a request', async () => {
    behaviour = (req, res, body) => setTimeout(() => answer(req, res, body), 400);
    const send = createHttpClient({ maxSockets: 4, timeoutMs: 5000, userAgent: 'novaops/test', idleSocketMs: 100 });
    expect((await send(`${base}/slow`, { method: 'GET', headers: {} })).status).toBe(200);
  });

  it('a connection reset after the server read the request: sent, its answer lost', async () => {
    behaviour = (req) => req.socket.destroy();
    const err = await failure(client()(`${base}/servers/1/action`, { method: 'POST', headers: {}, body: '{"reboot":{"type":"HARD"}}' }));
    expect(err).toBeInstanceOf(HttpNetworkError);
    expect(networkReason(err, 5000)).toBe('ECONNRESET');
    expect(httpVerdict('POST', { network: networkFailureSent(err) ? 'no-answer' : 'not-sent' })).toBe('lost-answer');
    expect(received.map((r) => r.body)).toEqual(['{"reboot":{"type":"HARD"}}']);
  });

  it('an answer cut off in its body is a lost answer too, not a short one', async () => {
    behaviour = (req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('{"server":', () => req.socket.destroy());
    };
    const err = await failure(client()(`${base}/servers/1`, { method: 'GET', headers: {} }));
    expect(networkReason(err, 5000)).toBe('ECONNRESET');
    expect(networkFailureSent(err)).toBe(true);
  });

  it('a refused connection: never sent, so even a mutation may be tried again', async () => {
    const port = await closedPort();
    const err = await failure(client()(`http://127.0.0.1:${port}/v3/auth/tokens`, { method: 'POST', headers: {}, body: '{}' }));
    expect(networkReason(err, 5000)).toBe('ECONNREFUSED');
    expect(httpVerdict('POST', { network: networkFailureSent(err) ? 'no-answer' : 'not-sent' })).toBe('retry');
  });

  it('no answer within the timeout: aborted as a timeout (sent), its socket closed, whether headers came or not', async () => {
    behaviour = () => undefined;
    const before = closed.length;
    const err = await failure(client(200)(`${base}/servers/1/action`, { method: 'POST', headers: {}, body: '{}' }));
    expect(err).toBeInstanceOf(HttpTimeoutError);
    expect(networkReason(err, 200)).toBe('no answer within 200 ms');
    expect(networkFailureSent(err)).toBe(true);
    await closed[before]; // the client gave the socket up rather than keep it for the next request

    behaviour = (_req, res) => res.writeHead(200).write('{"partial":');
    const midBody = await failure(client(200)(`${base}/servers/1`, { method: 'GET', headers: {} }));
    expect(networkReason(midBody, 200)).toBe('no answer within 200 ms');
  });
});

/** A loopback port nobody listens on: one that was just free. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
