// What only the cloud can say about a drp run before it exists (exit 2, no run directory): the
// databases must have a schema novaops knows, in every cell, and every cell must answer (exit 3).
// drp's one option needs no reading. A rehearsal reads only its instance's cell, known once
// --test-instance is resolved (also before the run exists): its check waits for that (runbook.ts).
// Found by the preflight, an unknown schema used to leave a run directory behind an exit 2.
import type { ResolvedScope, StepContext } from '../../src/engine/runbook.js';
import { attachmentCells } from '../lib/attachment-reads.js';
import { cellOfInstance } from '../lib/cells.js';
import { detectFlavour } from '../lib/schema-flavour.js';
import { resolveTestInstance } from '../lib/test-instance.js';
import type { DrpParams } from './params.js';

export async function checkDrpInput(ctx: StepContext<DrpParams>, request: { testScope?: string }): Promise<void> {
  if (request.testScope !== undefined) return;
  await detectFlavour(ctx, await attachmentCells(ctx));
}

/** The rehearsal's instance, and the schema of its cell (and of no other). */
export async function resolveDrpRehearsal(ctx: StepContext<DrpParams>, ref: string): Promise<ResolvedScope> {
  const scope = await resolveTestInstance(ctx, ref);
  await detectFlavour(ctx, [await cellOfInstance(ctx, scope.uuid)]);
  return scope;
}
