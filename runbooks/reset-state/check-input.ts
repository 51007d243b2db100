// What only the cloud can say about reset-state's input, read before the run exists (exit 2, no
// run directory): an instance named by a UUID Nova does not know, a name no instance has or that
// several share, and a --test-instance that is not one of the instances named. Found by the
// show-state step, these used to leave a run directory with status "refused" behind an exit 2.
import { UsageError } from '../../src/engine/errors.js';
import type { ResolvedScope, StepContext } from '../../src/engine/runbook.js';
import { isUuid } from '../../src/values/validate.js';
import { resolveInstanceRefs } from '../lib/instance-refs.js';
import { resolveTestInstance } from '../lib/test-instance.js';
import type { ResetStateParams } from './params.js';

export async function checkResetStateInput(ctx: StepContext<ResetStateParams>): Promise<void> {
  // --stuck-for picks the instances itself: nothing the operator typed names one.
  if (ctx.params.instances.length === 0) return;
  await resolveInstanceRefs(ctx, ctx.params.instances);
}

/**
 * The rehearsal's instance, which must be one of those named. Every name was found unique before
 * (checkInput runs first), so a name equal to the instance's is that instance: no read needed.
 */
export async function resolveResetStateTestScope(ctx: StepContext<ResetStateParams>, ref: string): Promise<ResolvedScope> {
  const scope = await resolveTestInstance(ctx, ref);
  const refs = ctx.params.instances;
  const named = (r: string) => (isUuid(r) ? r.toLowerCase() === scope.uuid.toLowerCase() : r === scope.name);
  if (refs.length === 0 || refs.some(named)) return scope;
  throw new UsageError(
    `--test-instance ${scope.name ?? scope.uuid} is not one of the instances named (${refs.join(', ')})`,
    'rehearse on one of the instances you name: novaops run reset-state <instance> --test-instance <the same instance>',
  );
}
