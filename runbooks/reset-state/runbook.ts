// reset-state — Reset the state of an instance.
// Source: Compute admin guide §5.5.7 (seeds/002): "Instances can remain in an intermediate state,
// such as deleting. You can use the nova reset-state command to manually reset the state of an
// instance to an error state. You can then delete the instance. ... You can also use the --active
// parameter to force the instance back to an active state instead of an error state."
//
//   novaops run reset-state <uuid|name>... [--active | --delete] [--force]
//   novaops run reset-state --stuck-for 30m [--active | --delete]
//
// Step 0 shows each instance's vm_state, task_state and last change and what will be done to it;
// step 1 resets (os-resetState), refusing named instances that are not stuck unless --force and
// holding back any that moved on since they were shown; step 2 deletes (with --delete, and every
// instance that was being deleted: Nova ignores a delete while task_state is deleting) and waits
// until each is gone. Each reset and each delete happens once; a resume reads before it repeats.
import type { Runbook } from '../../src/engine/runbook.js';
import { checkResetStateInput, resolveResetStateTestScope } from './check-input.js';
import { resetStateManifest } from './manifest.js';
import { resetStateParams, type ResetStateParams } from './params.js';
import { showStateStep } from './show-state.js';
import { resetStep } from './reset.js';
import { deleteStep } from './delete.js';

export const resetState: Runbook<ResetStateParams> = {
  ...resetStateManifest,
  version: '1.0.0',
  params: resetStateParams,
  checkInput: checkResetStateInput,
  resolveTestScope: resolveResetStateTestScope,
  steps: [showStateStep, resetStep, deleteStep],
};

export default resetState;
