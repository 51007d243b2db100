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

/** Python's repr() of a JSON value, as Nova's and Placement's validation messages print values. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v.includes("'") && !v.includes('"') ? `"${v}"` : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
      .join(', ')}}`;
  }
  return String(v);
}

/** Python's str() of a scalar (what Nova prints after "Value:"), repr() of anything else. */
export function pyStr(v: unknown): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

/** jsonschema's "Additional properties are not allowed (...)" for the keys not in `allowed`, or undefined. */
export function additionalProperties(obj: Record<string, unknown>, allowed: string[]): string | undefined {
  const extra = Object.keys(obj).filter((k) => !allowed.includes(k));
  if (extra.length === 0) return undefined;
  const list = extra.map(pyRepr).join(', ');
  return `Additional properties are not allowed (${list} ${extra.length === 1 ? 'was' : 'were'} unexpected)`;
}

/** Nova's "Invalid input for field/attribute ..." wrapper for an error at a path below the body's root. */
export function novaInvalid(field: string, value: unknown, message: string): ApiError {
  return fault(400, `Invalid input for field/attribute ${field}. Value: ${pyStr(value)}. ${message}`);
}

/** parameter_types.boolean: the values nova accepts for a boolean field, and its message for others. */
const NOVA_BOOLEANS: [unknown, boolean][] = [
  [true, true], ['True', true], ['TRUE', true], ['true', true], ['1', true], ['ON', true], ['On', true], ['on', true],
  ['YES', true], ['Yes', true], ['yes', true],
  [false, false], ['False', false], ['FALSE', false], ['false', false], ['0', false], ['OFF', false], ['Off', false], ['off', false],
  ['NO', false], ['No', false], ['no', false],
];

export function novaBoolean(field: string, value: unknown): boolean {
  const hit = NOVA_BOOLEANS.find(([k]) => k === value);
  if (hit) return hit[1];
  throw novaInvalid(field, value, `${pyRepr(value)} is not one of [${NOVA_BOOLEANS.map(([k]) => pyRepr(k)).join(', ')}]`);
}
