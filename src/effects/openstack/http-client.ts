// The OpenStack client's HTTP on node:http(s): a run makes thousands of small requests to a few
// origins, and fetch (undici) spent more CPU on each (and on the garbage it left) than the rest of
// novaops. One keep-alive Agent per protocol pools sockets per origin, at most `maxSockets` each.
// Failures keep fetch's shape ({ name: 'TimeoutError' }, or a `cause` carrying the system error's
// code), which api-error.ts words and retry-policy.ts classifies as sent or never sent.
import http from 'node:http';
import https from 'node:https';

export interface HttpRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpAnswer {
  status: number;
  statusText: string;
  /** Header names in lower case. */
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface HttpClientOptions {
  /** Sockets open at once to one origin. */
  maxSockets: number;
  /** The whole exchange (connect, request, answer's headers and body) must finish within this. */
  timeoutMs: number;
  userAgent: string;
  /** Tests make it small; IDLE_SOCKET_MS otherwise. */
  idleSocketMs?: number;
}

/** One header of an answer, repeated ones joined as fetch's Headers.get joins them. */
export function header(answer: HttpAnswer, name: string): string | undefined {
  const value = answer.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

export type HttpSend = (url: string, request: HttpRequest) => Promise<HttpAnswer>;

/**
 * An idle socket is closed after this, before a server's usual keep-alive timeout (5 s for many
 * servers, less a margin), so that a request is rarely written to a socket the server is closing:
 * such a request's answer would be lost. A server's `Keep-Alive: timeout=N` shortens it further
 * (node's Agent keeps N - 1 s).
 */
const IDLE_SOCKET_MS = 4000;

/** The request took longer than its budget; named as fetch's AbortSignal.timeout names it. */
export class HttpTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** The connection failed, or broke before the whole answer came; `cause` is node's error (its `code`). */
export class HttpNetworkError extends Error {
  override readonly name = 'HttpNetworkError';
}

export function createHttpClient(opts: HttpClientOptions): HttpSend {
  const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets, timeout: opts.idleSocketMs ?? IDLE_SOCKET_MS, noDelay: true };
  // Lazily: a run against an https cloud never needs the http Agent, and the other way round.
  let httpAgent: http.Agent | undefined;
  let httpsAgent: https.Agent | undefined;

  return (url, request) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    if (!secure && target.protocol !== 'http:') {
      return Promise.reject(new HttpNetworkError(`unsupported URL scheme ${target.protocol}`, { cause: { code: 'ERR_INVALID_PROTOCOL' } }));
    }
    const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
    const headers: Record<string, string | number> = { ...request.headers, 'User-Agent': opts.userAgent };
    if (body) headers['Content-Length'] = body.length;
    const options: http.RequestOptions = {
      method: request.method,
      protocol: target.protocol,
      hostname: target.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: target.port || (secure ? 443 : 80),
      path: `${target.pathname}${target.search}`,
      headers,
    };

    return new Promise<HttpAnswer>((resolve, reject) => {
      let settled = false;
      const settle = (err: Error | undefined, answer?: HttpAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(answer!);
      };
      const fail = (err: Error) => settle(new HttpNetworkError(`${request.method} ${target.origin}: ${err.message}`, { cause: err }));

      const req = secure
        ? https.request({ ...options, agent: (httpsAgent ??= new https.Agent(agentOptions)) })
        : http.request({ ...options, agent: (httpAgent ??= new http.Agent(agentOptions)) });
      const timer = setTimeout(() => {
        // Settled first: destroying the socket makes node report a reset, which is not what happened.
        settle(new HttpTimeoutError(`no answer within ${opts.timeoutMs} ms`));
        req.destroy();
      }, opts.timeoutMs);

      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        // A socket closed while the body streams in makes node destroy the answer with ECONNRESET.
        res.on('error', fail);
        res.on('end', () => {
          if (!res.complete) return fail(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
          let text = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
          if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
          settle(undefined, { status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, text });
        });
      });
      req.end(body);
    });
  };
}
