// What drp's steps hand to each other through the run's state (kept across resumes).
import { z } from 'zod';
import { defineFact } from '../../src/engine/fact.js';
import type { StepContext } from '../../src/engine/runbook.js';
import { dirname, join } from 'node:path';
import { DamagedRunError } from '../../src/engine/errors.js';
import { messageOf } from '../../src/engine/execute-operation.js';
import { MAP_JSON, MAP_TSV, readVolumeMap, type VolumeMap } from './volume-map.js';
import type { SchemaFlavour } from '../lib/schema-flavour.js';

export type { DrpParams } from './params.js';

export interface AffectedInstance {
  uuid: string;
  name: string;
  host: string | null;
  addresses: string[];
}

const affectedInstance = z.object({ uuid: z.string(), name: z.string(), host: z.string().nullable(), addresses: z.array(z.string()) });

/** Found by the preflight: how this deployment keeps volume attachments. */
export const flavourFact = defineFact<SchemaFlavour>('flavour', z.enum(['modern', 'cinder-columns', 'nova-volume']), 'the preflight');
/** Found by the preflight: the instances the power loss left SHUTOFF. */
export const affectedFact = defineFact<AffectedInstance[]>('affectedInstances', z.array(affectedInstance), 'the preflight');
/** Recorded by step 1 when the map was written: the checksum every later read is compared with. */
export const mapFact = defineFact('volumeMap', z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), entries: z.number().int() }), 'the capture of the volume map (step 1)');

export function flavourOf(ctx: StepContext): SchemaFlavour {
  return flavourFact.require(ctx);
}

export function affectedInstances(ctx: StepContext): AffectedInstance[] {
  return affectedFact.get(ctx) ?? [];
}

/**
 * The captured map, checked against the checksum recorded when it was written. A map that changed
 * or broke since is not repaired by a resume: the operator restores it or abandons the run.
 */
export async function capturedMap(ctx: StepContext): Promise<VolumeMap> {
  const recorded = mapFact.get(ctx);
  if (!recorded) throw new Error('the volume map was not captured; step 1 must run first');
  const path = join(ctx.artifacts.dir, MAP_JSON);
  const where = `recorded in ${join(dirname(ctx.artifacts.dir), 'state.json')} as facts.${mapFact.key}.sha256`;
  const what = `restore the file from a copy (its sha256 must be ${recorded.sha256}; ${MAP_TSV} beside it has the same map as text), then: novaops resume ${ctx.runId} — or give the run up with: novaops abandon ${ctx.runId}`;
  let found: Awaited<ReturnType<typeof readVolumeMap>>;
  try {
    found = await readVolumeMap(ctx.artifacts);
  } catch (error) {
    throw new DamagedRunError(`the volume map ${path} is damaged since it was captured (${messageOf(error)}); the sha256 of the captured map is ${where}`, what);
  }
  if (!found) throw new DamagedRunError(`the volume map ${path} is gone since it was captured; its sha256 is ${where}`, what);
  if (found.sha256 !== recorded.sha256) {
    throw new DamagedRunError(`the volume map ${path} changed since it was captured: its sha256 is now ${found.sha256}, the capture's is ${where} (${recorded.sha256})`, what);
  }
  return found.map;
}
