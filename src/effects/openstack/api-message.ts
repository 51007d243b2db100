// The API's own words for a failure. Nova and Cinder wrap them as {"badRequest": {"message"}},
// {"itemNotFound": {...}}, {"conflictingRequest": {...}}; Keystone as {"error": {"message"}};
// Placement as {"errors": [{"status", "title", "detail", "code"}]}; some proxies answer with HTML
// or plain text.
export function apiMessage(body: unknown, rawText: string): string | undefined {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const obj = body as Record<string, unknown>;
    const placement = placementError(obj.errors);
    if (placement) return placement;
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

/** Placement's first error: its detail without the boilerplate webob puts before it, and its code. */
function placementError(errors: unknown): string | undefined {
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const first = errors[0] as { detail?: unknown; title?: unknown; code?: unknown };
  if (typeof first?.detail !== 'string' && typeof first?.title !== 'string') return undefined;
  const detail = typeof first.detail === 'string' ? first.detail.split('\n\n').pop()!.replace(/\s+/g, ' ').trim() : '';
  const text = detail || String(first.title);
  return typeof first.code === 'string' && first.code !== 'placement.undefined_code' ? `${text} (${first.code})` : text;
}
