// Where the target host keeps its instances: --instances-path when the operator gives it, else what
// the target's own nova.conf says (instances_path, or $state_path/instances), read over its host
// channel. A default guessed here looked in the wrong place on the real beds, whose computes set
// instances_path under their own data directories, and counted every instance as off shared storage.
import { z } from 'zod';
import { defineFact } from '../../src/engine/fact.js';
import type { StepContext } from '../../src/engine/runbook.js';
import { DEFAULT_STATE_PATH, instancesPathOf, parseNovaConfDump, readNovaConfs } from '../../src/operations/nova-conf.js';
import type { FailedNodeParams } from './params.js';

const source = z.object({ path: z.string(), from: z.string() });
export type InstancesPathSource = z.infer<typeof source>;

/** Set by the preflight; absent when the target could not be asked (no instance then counts as on shared storage). */
export const instancesPathFact = defineFact('failed-node.instances-path', source.nullable(), 'the preflight');

/** What runs from before the fact existed used: the option, else the distribution's default. */
const LEGACY_DEFAULT = `${DEFAULT_STATE_PATH}/instances`;

/** The target's instances path as the preflight settled it. */
export function targetInstancesPath(ctx: StepContext<FailedNodeParams>): string {
  return instancesPathFact.get(ctx)?.path ?? ctx.params.instancesPath ?? LEGACY_DEFAULT;
}

/** Reads it (the preflight); null, with a warning, when the target's nova.conf cannot be read. */
export async function resolveInstancesPath(ctx: StepContext<FailedNodeParams>, targetHost: string): Promise<InstancesPathSource | null> {
  if (ctx.params.instancesPath !== undefined) return { path: ctx.params.instancesPath, from: '--instances-path' };
  if (!ctx.hosts().includes(targetHost)) return null;
  const files = ctx.hostNovaConf(targetHost);
  const root = ctx.hostRoot(targetHost);
  const read = await ctx.tryRead(readNovaConfs(targetHost, root, files));
  if (!read.ok) {
    ctx.warn(`could not read ${files.join(', ')} on ${targetHost} (${read.error}): its instances path is unknown, so no instance counts as on shared storage; give --instances-path`);
    return null;
  }
  const parsed = parseNovaConfDump(read.stdout ?? '', root, files);
  const found = instancesPathOf(parsed);
  const present = parsed.filter((f) => f.text !== null).map((f) => f.file);
  const from = present.length === 0 ? `${found.from}; ${targetHost} has none of ${files.join(', ')}` : found.from;
  return { path: found.path, from: `${targetHost}:${from}` };
}
