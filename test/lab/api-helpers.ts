// Tiny fetch wrappers for the lab API tests.
export async function api(
  token: string,
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string } = {},
) {
  const hasBody = init.body !== undefined || init.rawBody !== undefined;
  const r = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { 'x-auth-token': token, ...(hasBody ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as any) : undefined, headers: r.headers };
}

/** Nova at a microversion: OpenStack-API-Version: compute X.Y. */
export function novaAt(version: string): Record<string, string> {
  return { 'OpenStack-API-Version': `compute ${version}` };
}

/** Placement at a microversion. */
export function placementAt(version: string): Record<string, string> {
  return { 'OpenStack-API-Version': `placement ${version}` };
}

export async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Placement's error detail: "<explanation>\n\n <message>  " -> the message. */
export function placementMessage(body: any): string {
  const detail: string = body?.errors?.[0]?.detail ?? '';
  const i = detail.indexOf('\n\n ');
  return (i >= 0 ? detail.slice(i + 3) : detail).trimEnd();
}
