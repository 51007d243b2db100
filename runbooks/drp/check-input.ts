// What only the cloud can say about a drp run before it exists (exit 2, no run directory): the
// databases must have a schema novaops knows. drp's one option needs no reading, and
// --test-instance is resolved by the engine before the run exists too (lib/test-instance.ts).
// Found by the preflight, an unknown schema used to leave a run directory behind an exit 2.
import type { StepContext } from '../../src/engine/runbook.js';
import { detectFlavour } from '../lib/schema-flavour.js';
import type { DrpParams } from './params.js';

export async function checkDrpInput(ctx: StepContext<DrpParams>): Promise<void> {
  await detectFlavour(ctx);
}
