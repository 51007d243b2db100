// Tiny fetch wrappers for the lab API tests.
export async function api(token: string, url: string, init: { method?: string; body?: unknown } = {}) {
  const r = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { 'x-auth-token': token, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as any) : undefined, headers: r.headers };
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
