// What drp's steps hand to each other through the run's state (kept across resumes).
import type { StepContext } from '../../src/engine/runbook.js';
import { readVolumeMap, type VolumeMap } from './volume-map.js';
import type { SchemaFlavour } from './schema-flavour.js';

export interface DrpParams {
  sshReboot: boolean;
}

export interface AffectedInstance {
  uuid: string;
  name: string;
  host: string | null;
  addresses: string[];
}

export const FACT = {
  flavour: 'flavour',
  instances: 'affectedInstances',
  map: 'volumeMap',
} as const;

export function flavourOf(ctx: StepContext): SchemaFlavour {
  return ctx.facts[FACT.flavour] as SchemaFlavour;
}

export function affectedInstances(ctx: StepContext): AffectedInstance[] {
  return (ctx.facts[FACT.instances] as AffectedInstance[] | undefined) ?? [];
}

/** The captured map, checked against the checksum recorded when it was written. */
export async function capturedMap(ctx: StepContext): Promise<VolumeMap> {
  const recorded = ctx.facts[FACT.map] as { sha256: string } | undefined;
  const found = await readVolumeMap(ctx.artifacts);
  if (!found || !recorded) throw new Error('the volume map was not captured; step 1 must run first');
  if (found.sha256 !== recorded.sha256) {
    throw new Error(`the volume map in ${ctx.artifacts.dir} changed since it was captured (sha256 ${found.sha256} != ${recorded.sha256})`);
  }
  return found.map;
}
