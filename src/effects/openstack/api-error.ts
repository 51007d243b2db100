// A failure to talk to OpenStack at all (as opposed to an API answering "no"), with what to do.
import { ExitCode, NovaopsError } from '../../errors.js';
export class OpenStackError extends NovaopsError {
  declare readonly hint: string;
  constructor(message: string, hint: string) {
    super(message, hint, ExitCode.failed);
  }
}

/** Why a request failed (http-client.ts), in words: ECONNREFUSED, a timeout, a TLS problem. */
export function networkReason(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  if (e?.cause?.code) return e.cause.code;
  return e?.cause?.message ?? e?.message ?? String(err);
}
