// /_lab/*: not OpenStack. Lets tests and the bench read counters and change timing live.
import { z } from 'zod';
import type { Ctx, Reply } from './context.js';
import { fault } from './http-util.js';

export const SettingsPatch = z
  .object({
    latencyMs: z.number().int().min(0).max(60_000),
    rebootMs: z.number().int().min(0).max(3_600_000),
    attachMs: z.number().int().min(0).max(3_600_000),
    ignoreRequestedDevice: z.boolean(),
  })
  .partial()
  .strict();

export async function handleLabControl(ctx: Ctx): Promise<Reply> {
  const { method, path, sim } = ctx;
  if (path === '/stats' && method === 'GET') return { status: 200, body: sim.stats.snapshot() };
  if (path === '/stats/reset' && method === 'POST') {
    sim.stats.reset();
    return { status: 204 };
  }
  if (path === '/settings' && method === 'GET') return { status: 200, body: sim.settings };
  if (path === '/settings' && method === 'POST') {
    const parsed = SettingsPatch.safeParse(ctx.body ?? {});
    if (!parsed.success) throw fault(400, `invalid settings: ${parsed.error.message}`);
    Object.assign(sim.settings, parsed.data);
    return { status: 200, body: sim.settings };
  }
  if (path === '/health' && method === 'GET') return { status: 200, body: { ok: true, pendingTransitions: sim.timers.pending } };
  throw fault(404, 'The resource could not be found.');
}
