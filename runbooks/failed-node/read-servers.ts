// Reading many servers back at once (settle, verify): one show per server for a few, two host
// listings (the failed host and the target) for many — the instances are on one or the other.
import type { StepContext } from '../../src/engine/runbook.js';
import { listServers, showServer, type Server } from '../../src/operations/openstack/servers.js';

/** A server as failed-node reads it: host and node, image or volume boot, metadata, fault — all in Server. */
export type HostServer = Server;

const SHOW_EACH_UP_TO = 20;

export async function readServers(ctx: StepContext, uuids: readonly string[], hosts: readonly string[]): Promise<Map<string, HostServer>> {
  const wanted = new Set(uuids);
  if (uuids.length <= SHOW_EACH_UP_TO) {
    const found = await ctx.mapLimit([...wanted], (id) => ctx.tryRead(showServer(id)));
    return new Map(found.filter((r) => r.ok && r.value).map((r) => [(r.value as HostServer).id, r.value as HostServer]));
  }
  const out = new Map<string, HostServer>();
  for (const host of new Set(hosts)) {
    for (const s of (await ctx.read(listServers({ host }))).value) if (wanted.has(s.id)) out.set(s.id, s);
  }
  // Anything on neither host (an error state without a host) is shown one by one.
  const missing = [...wanted].filter((id) => !out.has(id));
  const found = await ctx.mapLimit(missing, (id) => ctx.tryRead(showServer(id)));
  for (const r of found) if (r.ok && r.value) out.set((r.value as HostServer).id, r.value as HostServer);
  return out;
}
