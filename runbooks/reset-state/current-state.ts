// Reading the instances again right before a step changes them, and while waiting for a delete:
// one GET each for a few, one listing for many. A 404 (or absence from the listing) means gone.
import type { StepContext } from '../../src/engine/runbook.js';
import { findServer, listServers } from '../../src/operations/openstack/servers.js';
import type { ServerState } from './facts.js';

const ONE_BY_ONE = 20;

/** Current state by uuid; null = Nova no longer has the instance. A read that fails throws. */
export async function currentStates(ctx: StepContext, uuids: readonly string[]): Promise<Map<string, ServerState | null>> {
  const out = new Map<string, ServerState | null>();
  if (uuids.length > ONE_BY_ONE) {
    const all = new Map((await ctx.read(listServers())).value.map((s) => [s.id, s]));
    for (const uuid of uuids) out.set(uuid, all.get(uuid) ?? null);
    return out;
  }
  await ctx.mapLimit([...uuids], async (uuid) => {
    out.set(uuid, (await ctx.read(findServer(uuid))).value);
  });
  return out;
}
