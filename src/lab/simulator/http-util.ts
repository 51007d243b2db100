// Small HTTP helpers: JSON bodies and the error bodies each real service sends.
import type { IncomingMessage, ServerResponse } from 'node:http';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

const NOVA_FAULT: Record<number, string> = {
  400: 'badRequest',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'HTTPMethodNotAllowed',
  409: 'conflictingRequest',
  413: 'overLimit',
  500: 'computeFault',
};

/** Nova and Cinder share the wsgi fault format: {"itemNotFound": {"code": 404, "message": ...}}. */
export function fault(status: number, message: string): ApiError {
  return new ApiError(status, { [NOVA_FAULT[status] ?? 'computeFault']: { code: status, message } });
}

const KEYSTONE_TITLE: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
};

export function keystoneError(status: number, message: string): ApiError {
  return new ApiError(status, { error: { code: status, title: KEYSTONE_TITLE[status] ?? 'Error', message } });
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw fault(400, 'Malformed request body');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(text ? { 'Content-Type': 'application/json' } : {}),
    'Content-Length': Buffer.byteLength(text).toString(),
    ...headers,
  });
  res.end(text);
}

/** Nova's timestamp style: 2024-05-01T10:20:30Z. */
export function novaTime(d: unknown): string | null {
  if (!(d instanceof Date)) return null;
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Cinder's timestamp style: 2024-05-01T10:20:30.000000. */
export function cinderTime(d: unknown): string | null {
  if (!(d instanceof Date)) return null;
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
