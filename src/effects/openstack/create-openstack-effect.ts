// OpenStack over REST (http-client.ts): one Keystone token per run, bounded concurrency (a recovery may
// issue thousands of calls), limit/marker pagination, and failures carrying the API's own message.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import type { CloudAuth } from '../../config/types.js';
import type { ApiOperation, ApiService, OperationResult } from '../../operations/types.js';
import type { Identity, OpenStackEffect } from '../types.js';
import { authenticate, safeJson, TOKENS_PATH } from './keystone.js';
import { apiMessage } from './api-message.js';
import { OpenStackError, networkReason } from './api-error.js';
import {
  CloudUnreachableError,
  backoffMs,
  httpVerdict,
  networkFailureSent,
  parseRetryAfter,
  retryPolicy,
  silenceWatch,
  type RetryObserver,
  type RetryPolicy,
} from '../retry-policy.js';
import { pathShape } from './path-shape.js';
import { createHttpClient, header, type HttpAnswer, type HttpRequest } from './http-client.js';

export { OpenStackError } from './api-error.js';

export interface OpenStackOptions {
  concurrency: number;
  timeoutMs: number;
  /** A cloud that answers nothing for this long stops the run (the policy's silence budget). */
  noAnswerStopMs?: number;
  /** The retry policy's numbers; tests make them small. */
  retry?: Partial<RetryPolicy>;
}

/** The version in novaops' package.json, found upward from this file (src/ in tests, dist/src/ when built). */
function novaopsVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'novaops' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here, or not ours: look further up
    }
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

const VERSION = novaopsVersion();

/**
 * Sent on every API request, Keystone's included. Real clouds log the User-Agent of each request:
 * it lets an operator find one run's requests (this process's pid) in the API logs.
 */
export function novaopsUserAgent(pid: number = process.pid): string {
  return `novaops/${VERSION} (pid ${pid})`;
}

// The service name of the OpenStack-API-Version header; Placement takes only this header ("placement 1.28").
const microversionService: Record<ApiService, string> = { compute: 'compute', volumev3: 'volume', identity: 'identity', placement: 'placement' };

interface RawResponse {
  status: number;
  body: unknown;
  text: string;
  /** A mutation whose answer was lost: why, in words. */
  lost?: string;
}

export function createOpenStackEffect(auth: CloudAuth, opts: OpenStackOptions): OpenStackEffect {
  const limit = pLimit(opts.concurrency);
  const counts = new Map<string, number>();
  const policy = retryPolicy({ ...(opts.noAnswerStopMs ? { silenceBudgetMs: opts.noAnswerStopMs } : {}), ...opts.retry });
  const silence = silenceWatch(policy);
  let identityPromise: Promise<Identity> | undefined;

  const count = (method: string, service: string, path: string) => {
    const key = `${method} ${service} ${pathShape(path)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };

  const http = createHttpClient({ maxSockets: opts.concurrency, timeoutMs: opts.timeoutMs, userAgent: novaopsUserAgent() });
  const send = (url: string, request: HttpRequest) => limit(() => http(url, request));

  const identity = (): Promise<Identity> => {
    if (!identityPromise) {
      count('POST', 'identity', TOKENS_PATH);
      identityPromise = authenticate(auth, send, opts.timeoutMs);
      // A failed authentication is not cached: a later call may try again.
      identityPromise.catch(() => (identityPromise = undefined));
    }
    return identityPromise;
  };

  const headersFor = (op: ApiOperation<unknown>, token: string): Record<string, string> => {
    const h: Record<string, string> = { 'X-Auth-Token': token, Accept: 'application/json' };
    if (op.body !== undefined) h['Content-Type'] = 'application/json';
    if (op.microversion) {
      h['OpenStack-API-Version'] = `${microversionService[op.service]} ${op.microversion}`;
      if (op.service === 'compute') h['X-OpenStack-Nova-API-Version'] = op.microversion;
    }
    return h;
  };

  /**
   * One HTTP exchange under the retry policy (retry-policy.ts): a read is repeated on a gateway's
   * 5xx or a lost connection, anything on a 401 (after a new token: a 401 was refused before
   * anything was done) or on a connection never made; a mutation whose answer was lost is not
   * repeated, it comes back as `lost`.
   */
  const request = async (op: ApiOperation<unknown>, path: string, observe?: RetryObserver): Promise<RawResponse> => {
    let reauthenticated = false;
    /** When this chain's first unanswered attempt was sent (the silence budget counts from it). */
    let silentSince: number | undefined;
    for (let attempt = 1; ; attempt++) {
      const current = identity();
      const id = await current;
      const endpoint = id.endpoints[op.service];
      if (!endpoint) {
        throw new OpenStackError(
          `no '${op.service}' endpoint (interface ${auth.interface}${auth.regionName ? `, region ${auth.regionName}` : ''}) in the service catalog; it has: ${Object.keys(id.endpoints).join(', ')}`,
          'set the interface (OS_INTERFACE) and region (OS_REGION_NAME) the cloud publishes',
        );
      }
      const url = `${endpoint}${path}`;
      const what = `${op.method} ${op.service} ${pathShape(path)}`;
      count(op.method, op.service, path);
      const sentAt = policy.now();
      let res: HttpAnswer;
      try {
        // A connection reset while the body streams in is as much a lost answer as one before the headers.
        res = await send(url, {
          method: op.method,
          headers: headersFor(op, id.token),
          ...(op.body === undefined ? {} : { body: JSON.stringify(op.body) }),
        });
      } catch (err) {
        silentSince ??= sentAt;
        const reason = networkReason(err, opts.timeoutMs);
        const verdict = httpVerdict(op.method, { network: networkFailureSent(err) ? 'no-answer' : 'not-sent' });
        if (verdict === 'lost-answer') {
          return { status: 0, body: undefined, text: '', lost: `${what}: no answer (${reason}); whether it was applied is unknown` };
        }
        if (attempt < policy.maxAttempts) {
          await retryAfter(observe, `${what}: ${reason}`, attempt, undefined, silentSince);
          continue;
        }
        throw new OpenStackError(
          `cannot reach the ${op.service} API at ${url}: ${reason} (${attempt} attempt(s))`,
          'check that the endpoint in the service catalog is reachable from this machine',
        );
      }
      silence.answered();
      silentSince = undefined;
      if (res.status === 401 && !reauthenticated) {
        reauthenticated = true;
        // Requests in flight with the same expired token all get a 401: the first one asks for a
        // new token, the others use it instead of authenticating once each.
        if (identityPromise === current) identityPromise = undefined;
        attempt--; // a new token, not another attempt
        continue;
      }
      const { text } = res;
      const body = safeJson(text);
      if (isOk(op, res.status)) return { status: res.status, body, text };
      const verdict = httpVerdict(op.method, { status: res.status, hasBody: text.trim() !== '' });
      if (verdict === 'lost-answer') {
        const msg = apiMessage(body, text);
        return { status: res.status, body, text, lost: `${what}: HTTP ${res.status}${msg ? ` (${msg})` : ''}; whether it was applied is unknown` };
      }
      if (verdict === 'retry' && attempt < policy.maxAttempts) {
        await retryAfter(observe, `${what}: HTTP ${res.status}`, attempt, parseRetryAfter(header(res, 'retry-after'), policy.now()), undefined);
        continue;
      }
      return { status: res.status, body, text };
    }
  };

  /** Says the retry, then waits; a silence past the budget stops here instead. */
  const retryAfter = async (observe: RetryObserver | undefined, failure: string, attempt: number, retryAfterMs: number | undefined, silentSince: number | undefined) => {
    const waitMs = backoffMs(policy, attempt + 1, retryAfterMs);
    if (silentSince !== undefined) silence.check(silentSince, waitMs, `the cloud (${auth.authUrl})`, failure);
    observe?.({ failure, attempt: attempt + 1, maxAttempts: policy.maxAttempts, waitMs });
    await sleep(waitMs);
  };

  const isOk = (op: ApiOperation<unknown>, status: number) =>
    op.okStatus ? op.okStatus.includes(status) : status >= 200 && status < 300;

  const fetchAllPages = async (op: ApiOperation<unknown>, observe?: RetryObserver): Promise<RawResponse> => {
    const { collection, pageSize } = op.paginate!;
    const [base, query = ''] = op.path.split('?');
    const items: unknown[] = [];
    let marker: string | undefined;
    for (;;) {
      const params = new URLSearchParams(query);
      params.set('limit', String(pageSize));
      if (marker !== undefined) params.set('marker', marker);
      const res = await request(op, `${base}?${params.toString()}`, observe);
      if (!isOk(op, res.status)) return res;
      const body = res.body as Record<string, unknown> | undefined;
      const page = body?.[collection];
      if (!Array.isArray(page)) {
        throw new OpenStackError(`${op.method} ${op.service}${base}: the answer has no '${collection}' list`, 'is this the right endpoint?');
      }
      items.push(...page);
      // A server may cap the page below our limit; its "next" link then says there is more.
      const links = body?.[`${collection}_links`];
      const hasNext = Array.isArray(links) && links.some((l) => (l as { rel?: string })?.rel === 'next');
      if (page.length === 0 || (page.length < pageSize && !hasNext)) break;
      const last = (page[page.length - 1] as { id?: unknown })?.id;
      if (last === undefined || String(last) === marker) {
        throw new OpenStackError(`${op.method} ${op.service}${base}: pagination did not advance (marker ${String(last)})`, 'report this: the API ignores the marker');
      }
      marker = String(last);
    }
    return { status: 200, body: { [collection]: items }, text: '' };
  };

  return {
    identity,

    async execute<T>(op: ApiOperation<T>, observe?: RetryObserver): Promise<OperationResult<T>> {
      const started = performance.now();
      const took = () => Math.round(performance.now() - started);
      try {
        const res = op.paginate ? await fetchAllPages(op, observe) : await request(op, op.path, observe);
        if (res.lost) return { ok: false, ...(res.status ? { status: res.status } : {}), durationMs: took(), error: res.lost, answerLost: true };
        if (!isOk(op, res.status)) {
          const msg = apiMessage(res.body, res.text);
          return { ok: false, status: res.status, durationMs: took(), error: `HTTP ${res.status}${msg ? `: ${msg}` : ''}` };
        }
        let value: T;
        try {
          value = op.parse ? op.parse(res.body) : (res.body as T);
        } catch (err) {
          return { ok: false, status: res.status, durationMs: took(), error: `unexpected answer from ${op.service} ${pathShape(op.path)}: ${(err as Error).message}` };
        }
        return { ok: true, status: res.status, durationMs: took(), value };
      } catch (err) {
        // The run stops on a silent cloud; every other failure is this operation's.
        if (err instanceof CloudUnreachableError) throw err;
        return { ok: false, durationMs: took(), error: (err as Error).message };
      }
    },

    requestCounts() {
      return Object.fromEntries([...counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
    },
  };
}
