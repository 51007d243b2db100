// What the resource modules beside this file share: the read-only request type, path segments and
// query strings, the microversion field, and the two ways their parsers name what did not fit.
// Paths themselves are built only in the resource modules (test/operations/api-paths.test.ts).
import { z } from 'zod';
import type { ApiOperation } from '../types.js';

export type ReadApi<T> = ApiOperation<T> & { mutating: false };

/** One path segment, escaped: ids and names come from operators and from the APIs. */
export const seg = encodeURIComponent;

/** `?k=v&...` in the order given, without the parameters left undefined; '' when none is left. */
export function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * The `microversion` field of a request: absent when the module asks for none (the service's
 * base version answers), so a request carries a version header only where its module names one.
 */
export function atMicroversion(version: string | undefined): { microversion?: string } {
  return version ? { microversion: version } : {};
}

/** Parses `{ [key]: ... }`; a mismatch is named by its path ("server.status: ..."). */
export function pick<S extends z.ZodType>(key: string, schema: S) {
  return (body: unknown): z.infer<S> => {
    const wrapper = z.object({ [key]: schema }).safeParse(body);
    if (!wrapper.success) {
      const issue = wrapper.error.issues[0];
      throw new Error(`${[...issue.path].map(String).join('.') || key}: ${issue.message}`);
    }
    return (wrapper.data as Record<string, z.infer<S>>)[key];
  };
}

/** Throws what did not fit, as "<what>: <path>: <message>". */
export function fail(what: string, error: z.ZodError): never {
  const issue = error.issues[0];
  throw new Error(`${what}: ${issue ? `${issue.path.map(String).join('.') || 'top'}: ${issue.message}` : 'unexpected shape'}`);
}

/** A string Nova or Cinder may leave out or send as null: null either way. */
export const nullableString = z.string().nullish().transform((v) => v ?? null);
