// The microversions of a failed-node run, from the cloud's own version documents: evacuate at the
// highest novaops knows that Nova offers, and the fixed ones the other requests were built for
// (os-services 2.53 for the service uuid a force-down needs, migrations 2.59 for their uuid and
// instance filter, Placement 1.28 for consumer generations) checked to be offered, so that a cloud
// too old for them is told so before anything changes, not by a 406 in the middle of a run.
import { UsageError } from '../../src/engine/errors.js';
import type { StepContext } from '../../src/engine/runbook.js';
import { ALLOCATIONS_MICROVERSION } from '../../src/operations/openstack/allocations.js';
import { MIGRATIONS_MICROVERSION } from '../../src/operations/openstack/migrations.js';
import { SERVICES_MICROVERSION } from '../../src/operations/openstack/os-services.js';
import { PROVIDERS_MICROVERSION } from '../../src/operations/openstack/placement-providers.js';
import { EVACUATE_MICROVERSIONS, type EvacuateMicroversion } from '../../src/operations/openstack/servers.js';
import { computeVersions, offers, pickMicroversion, placementVersions, type VersionRange } from '../../src/operations/openstack/versions.js';
import { evacuateMicroversionFact, evacuationStops, type FailedNodeParams } from './facts.js';

const COMPUTE_NEEDS = [
  ['os-services (force-down by service uuid)', SERVICES_MICROVERSION],
  ['migrations (by instance)', MIGRATIONS_MICROVERSION],
] as const;
const PLACEMENT_NEEDS = [
  ['allocations', ALLOCATIONS_MICROVERSION],
  ['resource providers', PROVIDERS_MICROVERSION],
] as const;

function requireOffered(range: VersionRange, needs: readonly (readonly [string, string])[], hint: string): string {
  for (const [what, version] of needs) {
    if (!offers(range, version)) {
      throw new UsageError(`${what} needs ${range.service} microversion ${version}; this cloud's ${range.service} API offers ${range.min} to ${range.max}`, hint);
    }
  }
  return needs.map(([what, version]) => `${what} at ${version}`).join(', ');
}

/** Reads both documents once; records the evacuate microversion; returns the preflight's lines. */
export async function chooseMicroversions(ctx: StepContext<FailedNodeParams>): Promise<{ evacuate?: EvacuateMicroversion; notes: string[] }> {
  const notes: string[] = [];
  const evacuating = ctx.params.method === 'evacuate';
  const compute = await ctx.tryRead(computeVersions());
  let evacuate: EvacuateMicroversion | undefined;
  if (!compute.ok || !compute.value) {
    // Every cloud since Mitaka offers 2.29, and its instances come back as they were: no start needed.
    if (evacuating) evacuate = EVACUATE_MICROVERSIONS[0];
    ctx.warn(
      `the Compute API version document could not be read (${compute.error ?? 'no answer'}): ${evacuating ? `evacuate is sent at ${evacuate}, the oldest novaops knows, and ` : ''}the other requests at the microversions they were built for; if Nova refuses one, look at \`openstack versions show --service compute\``,
    );
  } else {
    const offered = compute.value;
    const parts: string[] = [];
    if (evacuating) {
      const choice = pickMicroversion('evacuate', EVACUATE_MICROVERSIONS, offered);
      if (!choice.ok) throw new UsageError(choice.message, "--method db (the guide's manual recovery) moves the instances without the evacuate API");
      evacuate = choice.version as EvacuateMicroversion;
      parts.push(
        `evacuate at ${evacuate} (${evacuationStops(evacuate) ? 'Nova leaves every evacuated instance stopped on the target; novaops starts again the ones that were ACTIVE, the stopped ones stay stopped' : 'Nova brings each instance back as it was: ACTIVE, or SHUTOFF if it was stopped'})`,
      );
    }
    parts.push(requireOffered(offered, COMPUTE_NEEDS, 'novaops needs Nova from Pike (2.53) and Queens (2.59) on; upgrade the control plane, or move the instances by hand'));
    notes.push(`Compute API offers ${offered.min}–${offered.max}: ${parts.join('; ')}`);
  }
  const placement = await ctx.tryRead(placementVersions());
  if (!placement.ok || !placement.value) {
    ctx.warn(`the Placement API version document could not be read (${placement.error ?? 'no answer'}): allocations are read and written at ${ALLOCATIONS_MICROVERSION}`);
  } else {
    const uses = requireOffered(placement.value, PLACEMENT_NEEDS, 'novaops needs Placement from Rocky (1.28) on; upgrade the control plane');
    notes.push(`Placement API offers ${placement.value.min}–${placement.value.max}: ${uses}`);
  }
  if (evacuate) await evacuateMicroversionFact.set(ctx, evacuate);
  return { evacuate, notes };
}
