// Nova's query-string handling (nova/api/validation query_schema + the controllers' use of req.GET):
//  - a controller reads `search_opts.update(req.GET)`: a repeated parameter keeps its LAST value;
//  - the JSON schemas validate every value given (dict_of_lists): single_param() refuses a repeated
//    parameter ("['1', '2'] is too long"), non_negative_integer and 'date-time' check their values;
//  - with additionalProperties=True the parameters the schema does not name are stripped (ignored),
//    with additionalProperties=False they are a 400.
// The error texts are those a real Zed API gave.
import { additionalProperties, ApiError, fault, pyRepr, pyStr } from './http-util.js';

/** The value a controller sees: the last one given, or undefined. */
export function lastParam(sp: URLSearchParams, key: string): string | undefined {
  const all = sp.getAll(key);
  return all.length ? all[all.length - 1] : undefined;
}

function queryInvalid(key: string, value: unknown, message: string): ApiError {
  return fault(400, `Invalid input for query parameters ${key}. Value: ${pyStr(value)}. ${message}`);
}

/** parameter_types.single_param: at most one value. */
export function singleParam(sp: URLSearchParams, key: string): string | undefined {
  const all = sp.getAll(key);
  if (all.length > 1) throw queryInvalid(key, all, `${pyRepr(all)} is too long`);
  return all[0];
}

/** single_param(non_negative_integer), as limit is checked. */
export function nonNegativeInteger(sp: URLSearchParams, key: string): number | undefined {
  const v = singleParam(sp, key);
  if (v === undefined) return undefined;
  if (!/^[0-9]*$/.test(v) || v === '') throw queryInvalid(key, v, `${pyRepr(v)} does not match '^[0-9]*$'`);
  return Number(v);
}

/** Refuses parameters not in `allowed` (schemas with additionalProperties=False). */
export function onlyParams(sp: URLSearchParams, allowed: string[]): void {
  const seen: Record<string, unknown> = {};
  for (const k of sp.keys()) seen[k] = true;
  const extra = additionalProperties(seen, allowed);
  if (extra) throw fault(400, extra);
}

// iso8601.parse_date (what oslo's parse_isotime and Nova's 'date-time' format checker use):
// a date, optionally a time (hours, minutes, seconds, fraction), optionally a zone; naive = UTC.
const ISO_RE =
  /^(\d{4})-?(\d{2})(?:-?(\d{2}))?(?:[T ](\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Milliseconds since the epoch for an ISO 8601 time, or undefined if iso8601 would refuse it. */
export function parseIsoTime(text: string): number | undefined {
  const m = ISO_RE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d ?? '1'), Number(h ?? '0'), Number(mi ?? '0'), Number(s ?? '0'), ms);
  if (Number.isNaN(t) || Number(mo) < 1 || Number(mo) > 12 || Number(d ?? '1') < 1 || Number(d ?? '1') > 31) return undefined;
  if (zone && zone !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    const offset = (Number(z[2]) * 60 + Number(z[3] ?? '0')) * 60_000;
    t -= z[1] === '+' ? offset : -offset;
  }
  return t;
}

/**
 * A 'date-time' query parameter: every value checked ("'foo' is not a 'date-time'"), the last one
 * used. `single` = single_param (refuses repeats) rather than multi_params.
 */
export function dateTimeParam(sp: URLSearchParams, key: string, single: boolean): Date | undefined {
  const all = single ? [singleParam(sp, key)].filter((v): v is string => v !== undefined) : sp.getAll(key);
  let last: number | undefined;
  for (const v of all) {
    last = parseIsoTime(v);
    if (last === undefined) throw queryInvalid(key, v, `${pyRepr(v)} is not a 'date-time'`);
  }
  return last === undefined ? undefined : new Date(last);
}

export const CHANGES_ORDER_MESSAGE = 'The value of changes-since must be less than or equal to changes-before.';

/** MariaDB DATETIME text (UTC) for a Date, with microseconds. */
export function sqlTime(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

/** webob's HTTPBadRequest with only a detail: Nova shows webob's generic explanation. */
export const GENERIC_BAD_REQUEST = 'The server could not comply with the request since it is either malformed or otherwise incorrect.';

/** The next-page link as Nova's _get_next_link builds it: the request's parameters sorted by key, marker replaced. */
export function nextLink(base: string, sp: URLSearchParams, marker: string | number): string {
  const params = new Map<string, string>();
  const pairs = [...sp.entries()].sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  for (const [k, v] of pairs) params.set(k, v);
  params.set('marker', String(marker));
  return `${base}?${new URLSearchParams([...params.entries()]).toString()}`;
}
