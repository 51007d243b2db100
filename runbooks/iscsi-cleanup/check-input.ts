// What only the cloud can say about iscsi-cleanup's input, read before the run exists (exit 2, no
// run directory): --host not a host of the config, --session N not a session on that host,
// --volume unknown to the databases, a session whose target names no volume the cloud has, one
// session of a volume that has several, a host nova_api maps to no cell; and databases whose schema novaops does not know. Found by the preflight, these used to leave a run
// directory with status "refused" behind an exit 2.
import type { StepContext } from '../../src/engine/runbook.js';
import { listSessionsOp, parseSessionOutput } from '../../src/operations/iscsi-sessions.js';
import { detectFlavour } from '../lib/schema-flavour.js';
import { cellOfHost } from '../lib/cells.js';
import { checkHostKnown, findNamedTarget } from './named-target.js';
import type { IscsiCleanupParams } from './params.js';

export async function checkIscsiCleanupInput(ctx: StepContext<IscsiCleanupParams>): Promise<void> {
  const host = ctx.params.host!;
  checkHostKnown(ctx, host);
  const cell = await cellOfHost(ctx, host);
  const flavour = await detectFlavour(ctx, [cell]);
  const listing = await ctx.tryRead(listSessionsOp(host));
  // A host that does not answer is not bad input: the preflight refuses the run (exit 3) and says what to do.
  if (!listing.ok) return;
  await findNamedTarget(ctx, flavour, cell, parseSessionOutput(listing.stdout ?? '').sessions);
}
