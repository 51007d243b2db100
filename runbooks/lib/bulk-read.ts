// Reading many volumes or servers at once, the way a large cloud wants it: one GET each for a
// few, one paginated listing beyond that (a 2,000-volume recovery must not send 2,000 GETs per poll).
import type { StepContext } from '../../src/engine/runbook.js';
import { listServers, showServer, type Server } from '../../src/operations/openstack/servers.js';
import { listVolumes, showVolume, type Volume } from '../../src/operations/openstack/volumes.js';

const ONE_BY_ONE = 20;

/** The volumes of `ids` the Volume API still has, by id. */
export async function readVolumes(ctx: StepContext, ids: readonly string[]): Promise<Map<string, Volume>> {
  if (ids.length > ONE_BY_ONE) {
    const wanted = new Set(ids);
    return new Map((await ctx.read(listVolumes({ allProjects: true }))).value.filter((v) => wanted.has(v.id)).map((v) => [v.id, v]));
  }
  const found = await ctx.mapLimit(ids, (id) => ctx.tryRead(showVolume(id)));
  return new Map(found.filter((r) => r.ok && r.value).map((r) => [(r.value as Volume).id, r.value as Volume]));
}

/** The servers of `uuids` the Compute API still has. */
export async function readServers(ctx: StepContext, uuids: readonly string[]): Promise<Server[]> {
  if (uuids.length > ONE_BY_ONE) {
    const wanted = new Set(uuids);
    return (await ctx.read(listServers({ allProjects: true }))).value.filter((s) => wanted.has(s.id));
  }
  const found = await ctx.mapLimit(uuids, (id) => ctx.tryRead(showServer(id)));
  return found.filter((r) => r.ok && r.value).map((r) => r.value as Server);
}
