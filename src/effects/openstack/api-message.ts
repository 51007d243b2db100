// The API's own words for a failure. Nova and Cinder wrap them as {"badRequest": {"message"}},
// {"itemNotFound": {...}}, {"conflictingRequest": {...}}; Keystone as {"error": {"message"}};
// some proxies answer with HTML or plain text.
export function apiMessage(body: unknown, rawText: string): string | undefined {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const obj = body as Record<string, unknown>;
    if (typeof obj.message === 'string') return obj.message;
    if (typeof obj.error === 'string') return obj.error;
    for (const value of Object.values(obj)) {
      if (value && typeof value === 'object') {
        const msg = (value as Record<string, unknown>).message;
        if (typeof msg === 'string') return msg;
      }
    }
    // Some services return {"NeutronError": "..."} style plain strings.
    const str = Object.values(obj).find((v) => typeof v === 'string');
    if (typeof str === 'string') return str;
  }
  const text = rawText
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text ? text.slice(0, 300) : undefined;
}
