// The OpenStack API simulator: one node:http server on 127.0.0.1 serving Keystone
// (/identity/v3), Nova (/compute/v2.1), Cinder (/volume/v3/{project_id}) and Placement
// (/placement). No cache: every request reads and writes the lab DB, so SQL steps and API steps
// see the same cloud.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { readCloudsYaml } from '../conf-files.js';
import { openLabDb } from '../lab-db.js';
import { SessionAppender } from '../sessions-file.js';
import { DEFAULT_SETTINGS, type LabInfo, type SimSettings } from '../types.js';
import type { Ctx, Reply, SimState } from './context.js';
import { startHeartbeat } from './heartbeat.js';
import { LabFaults } from './lab-faults.js';
import { startDbProxy, type DbProxy } from '../faults/db-proxy.js';
import { readServiceConnection } from '../conf-files.js';
import { countApplied } from './applied-counts.js';
import { ApiError, fault, keystoneError, readJson, sendJson } from './http-util.js';
import { injectBeforeHandling, loseAnswer, type HttpFault } from './http-faults.js';
import { handleIdentity } from './keystone.js';
import { handleLabControl } from './lab-control.js';
import { computeVersion, computeVersionHeaders, COMPUTE_MIN, placementVersion, placementVersionHeaders } from './microversion.js';
import { handlePlacement } from './placement-api.js';
import { computeRoutes, matchRoute, statsShape, volumeRoutes } from './routes.js';
import { Stats, type StatsSnapshot } from './stats.js';
import { Timers } from './timers.js';
import { TokenStore } from './tokens.js';
import { LegacyVolumeBackend } from './volume-backend-legacy.js';
import { ModernVolumeBackend } from './volume-backend-modern.js';

export interface SimulatorHandle {
  url: string;
  port: number;
  stats(): StatsSnapshot;
  resetStats(): void;
  settings: SimSettings;
  /** finishPending: complete the reboots and attaches in progress first (the API goes, the hosts finish). */
  close(opts?: { finishPending?: boolean }): Promise<void>;
}

export interface SimulatorOptions {
  info: LabInfo;
  /** 0 picks a free port. */
  port: number;
  settings?: Partial<SimSettings>;
}

const UNAUTHORIZED = 'The request you have made requires authentication.';

export async function startSimulator(opts: SimulatorOptions): Promise<SimulatorHandle> {
  const { info } = opts;
  const creds = await readCloudsYaml(info.cloudsYaml);
  const db = await openLabDb(info, 32);
  const stats = new Stats();
  const sim: SimState = {
    info,
    db,
    settings: { ...DEFAULT_SETTINGS, ...info.settings, ...opts.settings },
    stats,
    faults: new LabFaults(info.dir, stats),
    tokens: new TokenStore(),
    timers: new Timers(),
    sessions: new SessionAppender(info.dir),
    baseUrl: '',
    adminPassword: creds.password,
  };
  const backend = info.flavour === 'modern' ? new ModernVolumeBackend(sim) : new LegacyVolumeBackend(sim);
  const compute = computeRoutes(backend);
  const volume = volumeRoutes(backend);

  // Requests being handled, so a graceful stop can let them finish (and schedule their transitions).
  const inFlight = new Set<Promise<void>>();
  const server = http.createServer((req, res) => {
    const work = handle(req, res).catch((e) => {
      if (!res.headersSent) sendJson(res, 500, { computeFault: { code: 500, message: String((e as Error).message) } });
    });
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  // The bench holds thousands of keep-alive connections open at once.
  server.keepAliveTimeout = 65_000;
  server.maxConnections = 10_000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', sim.baseUrl || 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const requestId = `req-${randomUUID()}`;
    const ctx: Ctx = { req, res, url, method, path: '', requestId, sim, version: COMPUTE_MIN };
    let service = 'unknown';
    let reply: Reply;
    let versionHeaders: Record<string, string> = {};
    /** A Compute or Volume request's shape and when its handling began (after the latency setting's wait). */
    let handled: { key: string; since: number } | undefined;
    /** The fault this request meets, if the lab injects one. */
    let injected: HttpFault | undefined;
    /** A Compute request's route, to count what it applied. */
    let applied: { shape: string; params: string[] } | undefined;
    try {
      const p = url.pathname.replace(/\/+$/, '') || '/';
      if (method === 'POST' || method === 'PUT') {
        try {
          ctx.body = await readJson(req);
        } catch (e) {
          if (!p.startsWith('/placement')) throw e;
          ctx.bodyInvalid = true;
        }
      }
      let m: RegExpExecArray | null;
      if ((m = /^\/_lab(\/.*)?$/.exec(p))) {
        ctx.path = m[1] ?? '/';
        reply = await handleLabControl(ctx);
        sendJson(res, reply.status, reply.body, reply.headers);
        return;
      }
      if (sim.settings.latencyMs > 0) await new Promise((r) => setTimeout(r, sim.settings.latencyMs));
      injected = drawFault(req, method, p);
      if (injected && (await injectBeforeHandling(sim, injected, req, res))) return;
      if ((m = /^\/identity\/v3(\/.*)?$/.exec(p))) {
        service = 'identity';
        ctx.path = m[1] ?? '';
        sim.stats.request(`${method} identity ${ctx.path === '/auth/tokens' ? '/auth/tokens' : ctx.path || '/'}`, false, header(req, 'user-agent') ?? '');
        ctx.token = sim.tokens.check(header(req, 'x-auth-token'));
        reply = await handleIdentity(ctx);
      } else if ((m = /^\/compute\/v2\.1(\/.*)?$/.exec(p)) || (m = /^\/volume\/v3\/([0-9a-f]{32})(\/.*)?$/.exec(p))) {
        const isCompute = p.startsWith('/compute/');
        service = isCompute ? 'compute' : 'volumev3';
        ctx.path = (isCompute ? m[1] : m[2]) ?? '/';
        const found = matchRoute(isCompute ? compute : volume, method, ctx.path);
        const shape = found ? statsShape(found.route.shape, ctx.body) : ctx.path;
        handled = { key: `${method} ${service} ${shape}`, since: performance.now() };
        sim.stats.request(handled.key, method !== 'GET', header(req, 'user-agent') ?? '');
        ctx.token = sim.tokens.check(header(req, 'x-auth-token'));
        if (!ctx.token) {
          throw new ApiError(401, { error: { code: 401, title: 'Unauthorized', message: UNAUTHORIZED } }, {
            'WWW-Authenticate': `Keystone uri="${sim.baseUrl}/identity"`,
          });
        }
        if (isCompute) {
          ctx.version = computeVersion(req, sim.settings.release);
          versionHeaders = computeVersionHeaders(ctx.version);
        }
        if (!found) throw fault(404, 'The resource could not be found.');
        applied = { shape: found.route.shape, params: found.params };
        reply = await found.route.handler(ctx, found.params);
      } else if ((m = /^\/placement(\/.*)?$/.exec(p))) {
        service = 'placement';
        ctx.path = m[1] ?? '/';
        ctx.token = sim.tokens.check(header(req, 'x-auth-token'));
        const mutating = method !== 'GET' && method !== 'HEAD';
        sim.stats.request(`${method} placement ${placementShape(ctx.path)}`, mutating, header(req, 'user-agent') ?? '');
        if (ctx.path !== '/' && !ctx.token) {
          throw new ApiError(401, { error: { code: 401, title: 'Unauthorized', message: UNAUTHORIZED } }, {
            'WWW-Authenticate': `Keystone uri="${sim.baseUrl}/identity"`,
          });
        }
        ctx.version = placementVersion(req, requestId);
        versionHeaders = placementVersionHeaders(ctx.version);
        reply = await handlePlacement(ctx);
      } else {
        throw keystoneError(404, 'The resource could not be found.');
      }
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      reply = { status: e.status, body: e.body, headers: e.headers };
    }
    const idHeaders: Record<string, string> =
      service === 'compute'
        ? { 'x-openstack-request-id': requestId, 'x-compute-request-id': requestId, ...versionHeaders }
        : { 'x-openstack-request-id': requestId, ...versionHeaders };
    const ok = reply.status >= 200 && reply.status < 300;
    if (ok && applied && method !== 'GET') countApplied(sim.stats, method, applied.shape, applied.params, ctx.body);
    if (handled) sim.stats.handled(handled.key, performance.now() - handled.since);
    if (ok && injected?.kind === 'applied-lost') {
      loseAnswer(sim, injected, req, res);
      return;
    }
    sendJson(res, reply.status, reply.body, { ...idHeaders, ...reply.headers });
  }

  /** Only the cloud's APIs are faulted, never /_lab (that is the caller's already). */
  function drawFault(req: http.IncomingMessage, method: string, p: string): HttpFault | undefined {
    if (!/^\/(identity|compute|volume|placement)(\/|$)/.test(p)) return undefined;
    const mutating = method !== 'GET' && method !== 'HEAD' && !p.startsWith('/identity');
    return sim.faults.drawHttp({ mutating, validToken: !!sim.tokens.check(header(req, 'x-auth-token')) });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  sim.baseUrl = `http://127.0.0.1:${port}`;
  const heartbeat = startHeartbeat(sim);
  sim.heartbeat = heartbeat;
  // novaops reaches the database through the proxy when the lab was made with one; the simulator
  // keeps its own direct connection (the proxy faults novaops's statements, not the cloud's).
  let proxy: DbProxy | undefined;
  if (info.db.proxyPort !== undefined) {
    const backend = await readServiceConnection(info.novaConf);
    proxy = await startDbProxy({
      backend: { ...backend, database: undefined },
      port: info.db.proxyPort,
      decide: () => sim.faults.drawDb(),
      injected: (k) => sim.faults.injected(k),
    });
  }
  await sim.faults.set(info.faults);

  return {
    url: sim.baseUrl,
    port,
    stats: () => sim.stats.snapshot(),
    resetStats: () => sim.stats.reset(),
    settings: sim.settings,
    close: async (opts) => {
      const lastBeat = heartbeat.stop();
      const closed = new Promise<void>((r) => server.close(() => r()));
      if (opts?.finishPending) {
        // Like a service stopping gracefully: no new request, the ones in progress complete, and
        // the hosts finish the reboots and attaches they had started.
        server.closeIdleConnections();
        const deadline = Date.now() + 10_000;
        while (inFlight.size > 0 && Date.now() < deadline) {
          await Promise.all([...inFlight]);
          server.closeIdleConnections();
        }
        await sim.timers.finishAll();
      }
      server.closeAllConnections();
      sim.timers.close();
      await proxy?.close();
      await closed;
      // The pool goes last: a report under way still writes through it.
      await lastBeat;
      await db.close();
    },
  };
}

/** Stats key for a placement path: uuids become {uuid}. */
function placementShape(path: string): string {
  return path.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{uuid}');
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
