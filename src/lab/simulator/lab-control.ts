// /_lab/*: not OpenStack. Lets tests and the bench read counters and change timing live, and
// power simulated hosts off and on (POST /_lab/hosts/{host}/power {"on": false}).
import { z } from 'zod';
import { validateFaultSpec } from '../faults/plan.js';
import { setHostPower } from '../hosts.js';
import type { Ctx, Reply } from './context.js';
import { fault } from './http-util.js';

export const SettingsPatch = z
  .object({
    latencyMs: z.number().int().min(0).max(60_000),
    rebootMs: z.number().int().min(0).max(3_600_000),
    attachMs: z.number().int().min(0).max(3_600_000),
    ignoreRequestedDevice: z.boolean(),
    serviceDownTimeMs: z.number().int().min(100).max(3_600_000),
    reportIntervalMs: z.number().int().min(50).max(3_600_000),
    evacuateMs: z.number().int().min(0).max(3_600_000),
    deleteMs: z.number().int().min(0).max(3_600_000),
    release: z.enum(['zed', 'epoxy']),
  })
  .partial()
  .strict();

export async function handleLabControl(ctx: Ctx): Promise<Reply> {
  const { method, path, sim } = ctx;
  if (path === '/stats' && method === 'GET') {
    return { status: 200, body: { ...sim.stats.snapshot(), faultsInjected: await sim.faults.injectedCounts() } };
  }
  if (path === '/stats/reset' && method === 'POST') {
    sim.stats.reset();
    await sim.faults.resetCounts();
    return { status: 204 };
  }
  if (path === '/faults') return faults(ctx);
  if (path === '/settings' && method === 'GET') return { status: 200, body: sim.settings };
  if (path === '/settings' && method === 'POST') {
    const parsed = SettingsPatch.safeParse(ctx.body ?? {});
    if (!parsed.success) throw fault(400, `invalid settings: ${parsed.error.message}`);
    Object.assign(sim.settings, parsed.data);
    return { status: 200, body: sim.settings };
  }
  const power = /^\/hosts\/([^/]+)\/power$/.exec(path);
  if (power && method === 'POST') {
    const host = decodeURIComponent(power[1]);
    if (!sim.info.hosts.includes(host)) throw fault(404, `no lab host ${host}`);
    const on = (ctx.body as { on?: unknown } | undefined)?.on;
    if (typeof on !== 'boolean') throw fault(400, 'body must be {"on": true|false}');
    await setHostPower(sim.info.dir, host, on);
    // A host powered on reports (and runs its start-up work) at once rather than at the next interval.
    if (on) await sim.heartbeat?.beatNow();
    return { status: 200, body: { host, on } };
  }
  if (path === '/health' && method === 'GET') return { status: 200, body: { ok: true, pendingTransitions: sim.timers.pending } };
  throw fault(404, 'The resource could not be found.');
}

/** GET: the plan in force and what it injected; POST a spec: a new plan from its seed; DELETE: faults off. */
async function faults(ctx: Ctx): Promise<Reply> {
  const { method, sim } = ctx;
  if (method === 'POST') {
    try {
      await sim.faults.set(validateFaultSpec(ctx.body));
    } catch (e) {
      throw fault(400, `invalid fault plan: ${(e as Error).message}`);
    }
  } else if (method === 'DELETE') {
    await sim.faults.set(undefined);
  } else if (method !== 'GET') {
    throw fault(405, 'GET, POST or DELETE');
  }
  return { status: 200, body: { faults: sim.faults.spec ?? null, injected: await sim.faults.injectedCounts() } };
}
