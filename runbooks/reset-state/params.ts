// What `novaops run reset-state` takes, checked before anything is read (exit 2, nothing changed):
// the instances (UUIDs or exact names) or --stuck-for <duration>, never both and never neither;
// --active or --delete, not both; --force only for named instances. Each message names the
// argument and what to type instead.
import { z } from 'zod';
import { showValue } from '../../src/values/show-value.js';
import { DURATION_FORMS, parseDuration } from '../lib/duration.js';
import { instanceRefProblem } from '../lib/instance-refs.js';
import { declaredFields } from '../../src/engine/params-schema.js';
import { resetStateManifest } from './manifest.js';

export const resetStateParams = z
  .object(declaredFields(resetStateManifest))
  .strict()
  .superRefine((p, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (p.stuckFor !== undefined) {
      const d = parseDuration(p.stuckFor);
      if (!d.ok) problem('--stuck-for', `${showValue(p.stuckFor)} ${d.reason}; give ${DURATION_FORMS}`);
    }
    if (p.instances.length > 0 && p.stuckFor !== undefined) {
      problem('instances', 'both instances and --stuck-for were given; name the instances to reset, or pick every stuck one with --stuck-for, not both');
    }
    if (p.instances.length === 0 && p.stuckFor === undefined) {
      problem('instances', 'which instances? name them (UUID or exact name), or pick every instance whose task has not moved for a while with --stuck-for, e.g. --stuck-for 30m');
    }
    if (p.active && p.delete) {
      problem('--active', '--active and --delete contradict each other: --active resets to active and keeps the instance, --delete resets to error and deletes it; choose one');
    }
    if (p.force && p.stuckFor !== undefined) {
      problem('--force', '--force only applies to instances named on the command line (every instance --stuck-for picks is stuck); drop it');
    }
    for (const ref of p.instances) {
      const bad = instanceRefProblem(ref);
      if (bad) problem('instances', bad);
    }
  });

export type ResetStateParams = z.output<typeof resetStateParams>;

/** --stuck-for in seconds (the params were checked when the run started). */
export function stuckForSeconds(p: ResetStateParams): number | undefined {
  if (p.stuckFor === undefined) return undefined;
  const d = parseDuration(p.stuckFor);
  if (!d.ok) throw new Error(`--stuck-for ${p.stuckFor} ${d.reason}`);
  return d.seconds;
}
