// What failed-node's steps hand to each other through the run's state (kept across resumes). The
// preflight captures the failed host's instances once: after the move, the failed host no longer
// lists them, so a resumed run works from this record, never from a fresh listing.
import { z } from 'zod';
import { defineFact } from '../../src/engine/fact.js';
import type { StepCondition, StepContext } from '../../src/engine/runbook.js';
import type { FailedNodeParams } from './params.js';
import { compareMicroversions } from '../../src/operations/openstack/versions.js';
import { EVACUATE_MICROVERSIONS, EVACUATE_STOPS_FROM, type EvacuateMicroversion } from '../../src/operations/openstack/servers.js';

export type { FailedNodeParams } from './params.js';
/** --method: evacuate (§5.4.14.1) or db (§5.4.14.2, the manual recovery). */
export type Method = FailedNodeParams['method'];

/** The steps of one method (appliesWhen): the other method's run marks them not applicable. */
export const withEvacuate: StepCondition<FailedNodeParams> = { describe: '--method evacuate', test: (p) => p.method === 'evacuate' };
export const withDb: StepCondition<FailedNodeParams> = { describe: '--method db', test: (p) => p.method === 'db' };

const hostInfo = z.object({
  host: z.string(),
  serviceId: z.string(),
  zone: z.string().nullable(),
  /** The compute node's hypervisor_hostname: instances.node, and its resource provider's name. */
  node: z.string(),
  hostIp: z.string().nullable(),
  /** The compute node's uuid, which is its root resource provider's uuid. */
  provider: z.string(),
  /** Every provider of the node's tree (nested providers included). */
  providerTree: z.array(z.string()),
});
export type HostInfo = z.infer<typeof hostInfo>;

const volumeRef = z.object({ id: z.string(), device: z.string().nullable(), boot: z.boolean() });
export type VolumeRef = z.infer<typeof volumeRef>;

const instance = z.object({
  uuid: z.string(),
  name: z.string(),
  status: z.string(),
  vmState: z.string().nullable(),
  taskState: z.string().nullable(),
  /** instances.node on the failed host. */
  node: z.string().nullable(),
  bootFromVolume: z.boolean(),
  imageId: z.string().nullable(),
  volumes: z.array(volumeRef),
  /**
   * The target sees the instance's disk under <instances_path>/<uuid>/ (shared storage): its
   * directory, and for an image-backed instance its root disk there. null: could not be checked.
   */
  sharedStorage: z.boolean().nullable(),
  /** The target sees <instances_path>/<uuid>/ (what Nova takes for shared storage), with or without a disk in it. */
  dirOnTarget: z.boolean(),
  /** <instances_path>/<uuid>/libvirt.xml exists on the target (older deployments keep it there). */
  libvirtXml: z.boolean(),
  /** Placement allocations as the preflight found them: provider -> resources. */
  allocations: z.record(z.string(), z.record(z.string(), z.number())),
});
export type FailedInstance = z.infer<typeof instance>;

const excluded = z.object({ uuid: z.string(), name: z.string(), reason: z.string() });
export type ExcludedInstance = z.infer<typeof excluded>;

/** `cell`: the name of the one cell both hosts are in; absent in a run recorded before novaops knew cells (then `nova`). */
export const hostsFact = defineFact('failed-node.hosts', z.object({ failed: hostInfo, target: hostInfo, cell: z.string().optional() }), 'the preflight');
export const instancesFact = defineFact('failed-node.instances', z.array(instance), 'the preflight');
/** Instances on the failed host that this run leaves alone, with why (service VMs, outside the rehearsal). */
export const excludedFact = defineFact('failed-node.excluded', z.array(excluded), 'the preflight');

/**
 * The evacuate microversion the preflight chose from the Compute API's version document: every
 * evacuate of the run (and of its resumes) is sent at it, and what the run expects after the
 * evacuation (and whether it starts instances again) follows from it.
 */
export const evacuateMicroversionFact = defineFact(
  'failed-node.evacuate-microversion',
  z.enum(EVACUATE_MICROVERSIONS),
  'the preflight',
);

/** The run's evacuate microversion; a run the preflight of an earlier novaops began evacuated at 2.29. */
export function evacuateMicroversionOf(ctx: StepContext): EvacuateMicroversion {
  return evacuateMicroversionFact.get(ctx) ?? '2.29';
}

export function hostsOf(ctx: StepContext): { failed: HostInfo; target: HostInfo } {
  return hostsFact.require(ctx);
}

/** The instances this run moves, as the preflight found them. */
export function instancesOf(ctx: StepContext): FailedInstance[] {
  return instancesFact.require(ctx);
}

/** The instances a step of this run goes on with: not held back by the guard of `mainStep`. */
export function movingInstances(ctx: StepContext, mainStep: string, keyOf: (uuid: string) => string): FailedInstance[] {
  const held = new Set(ctx.heldBack(mainStep).map((h) => h.key));
  return instancesOf(ctx).filter((i) => !held.has(keyOf(i.uuid)));
}

export function methodOf(ctx: StepContext<FailedNodeParams>): Method {
  return ctx.params.method;
}

/** "name (uuid)", for instances as recorded (uuid) and as the Compute API shows them (id). */
export function label(i: { uuid: string; name: string } | { id: string; name: string }): string {
  const uuid = 'uuid' in i ? i.uuid : i.id;
  return i.name ? `${i.name} (${uuid})` : uuid;
}

/** Image-backed with its disk on the failed host only: evacuate rebuilds it from its image. */
export function losesRootDisk(i: FailedInstance): boolean {
  return !i.bootFromVolume && i.sharedStorage !== true;
}

export const evacuateKey = (uuid: string) => `evacuate:${uuid}`;
export const moveKey = (uuid: string) => `move:${uuid}`;

/**
 * The status an instance ends in on the target: ACTIVE, or SHUTOFF for one that was stopped (an
 * evacuation brings it back stopped; the database path leaves it stopped and does not reboot it).
 */
export function expectedStatus(i: Pick<FailedInstance, 'vmState'>): 'ACTIVE' | 'SHUTOFF' {
  return i.vmState === 'stopped' ? 'SHUTOFF' : 'ACTIVE';
}

/** At this microversion Nova leaves an evacuated instance stopped on the target (2.95 and later). */
export function evacuationStops(microversion: EvacuateMicroversion): boolean {
  return compareMicroversions(microversion, EVACUATE_STOPS_FROM) >= 0;
}

/**
 * The status an instance has when its evacuation ends: as it was before (expectedStatus), except
 * that from 2.95 Nova stops every one it evacuates but those evacuated from ERROR (they come back
 * ACTIVE, as before: nova compute/manager.py _do_rebuild_instance).
 */
export function statusAfterEvacuation(i: Pick<FailedInstance, 'vmState'>, microversion: EvacuateMicroversion): 'ACTIVE' | 'SHUTOFF' {
  return evacuationStops(microversion) && i.vmState !== 'error' ? 'SHUTOFF' : expectedStatus(i);
}

/** Ran before, left stopped by the evacuation: novaops starts it again (start-evacuated step). */
export function startedAfterEvacuation(i: Pick<FailedInstance, 'vmState'>, microversion: EvacuateMicroversion): boolean {
  return statusAfterEvacuation(i, microversion) === 'SHUTOFF' && expectedStatus(i) === 'ACTIVE';
}
