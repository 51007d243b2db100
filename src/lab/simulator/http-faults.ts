// Faults of the API as a client meets them: a proxy's 503 (with or without Retry-After), a
// service's 500, a gateway's 504, a reset connection, an answer that never comes, a slow answer,
// an expired token — and, for a mutating request, the change applied and its answer lost, the
// case that makes a blind retry dangerous.
import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultDraw, HttpFaultKind } from '../faults/plan.js';
import type { SimState } from './context.js';
import { sendJson } from './http-util.js';

export type HttpFault = FaultDraw<HttpFaultKind>;

/** What haproxy in front of an OpenStack API answers when no backend is up. */
function send503(res: ServerResponse, retryAfter: boolean): void {
  const body = '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n';
  res.writeHead(503, { 'content-type': 'text/html', 'cache-control': 'no-cache', ...(retryAfter ? { 'retry-after': '1' } : {}) });
  res.end(body);
}

function send500(res: ServerResponse): void {
  sendJson(res, 500, {
    computeFault: {
      code: 500,
      message: 'Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.\n<class \'oslo_db.exception.DBConnectionError\'>',
    },
  });
}

/** haproxy's answer when the backend took longer than its `timeout server`. */
function send504(res: ServerResponse): void {
  res.writeHead(504, { 'content-type': 'text/html', 'cache-control': 'no-cache' });
  res.end('<html><body><h1>504 Gateway Time-out</h1>\nThe server didn\'t respond in time.\n</body></html>\n');
}

/** The TCP connection is reset (RST): the client sees ECONNRESET / "socket hang up". */
function reset(req: IncomingMessage): void {
  req.socket.resetAndDestroy();
}

/**
 * Before handling: true when the fault answered (or dropped) the request and handling stops.
 * `slow` and `token-expired` only change how handling goes, so they return false.
 */
export async function injectBeforeHandling(sim: SimState, f: HttpFault, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  // applied-lost counts once the answer is really lost (a refused request has nothing to lose).
  if (f.kind !== 'applied-lost') sim.faults.injected(f.kind);
  switch (f.kind) {
    case 'http-503':
    case 'http-503-retry-after':
      send503(res, f.kind === 'http-503-retry-after');
      return true;
    case 'http-500':
      send500(res);
      return true;
    case 'http-504':
      send504(res);
      return true;
    case 'reset':
      reset(req);
      return true;
    case 'no-answer':
      // Nothing is sent; the socket stays open until the client gives up (its timeout fires).
      return true;
    case 'slow':
      await sleep(sim.faults.spec?.slowMs ?? 0);
      return false;
    case 'token-expired': {
      // Keystone forgets an expired token: this request and every later one with it get 401.
      const v = req.headers['x-auth-token'];
      sim.tokens.revoke(Array.isArray(v) ? v[0] : v);
      return false;
    }
    case 'applied-lost':
      return false;
  }
}

/** After a mutating request was applied: its answer is lost in one of four ways (seeded). */
export function loseAnswer(sim: SimState, f: HttpFault, req: IncomingMessage, res: ServerResponse): void {
  const way = Math.floor(f.variant * 4);
  sim.faults.injected(`applied-lost:${['reset', 'http-500', 'http-504', 'no-answer'][way]}`);
  if (way === 0) reset(req);
  else if (way === 1) send500(res);
  else if (way === 2) send504(res);
  // way 3: no answer at all.
}
