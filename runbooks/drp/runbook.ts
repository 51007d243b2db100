// drp — Recover cloud after disaster (power loss).
// Source: Compute admin guide §5.4.14.4 "Recover cloud after disaster" (seeds/002) and
// "Nova Disaster Recovery Process" (seeds/003). The guide: do not add any steps or change the
// order of steps in this procedure. Steps 1-5 below are its five; step 0 only reads.
import type { Runbook } from '../../src/engine/runbook.js';
import { checkDrpInput, resolveDrpRehearsal } from './check-input.js';
import { drpManifest } from './manifest.js';
import { drpParams, type DrpParams } from './params.js';
import { preflightStep } from './preflight.js';
import { captureMapStep } from './capture-map.js';
import { cleanStep } from './clean-db.js';
import { rebootStep } from './reboot.js';
import { reattachStep } from './reattach.js';
import { sshRebootStep } from './ssh-reboot.js';

export const drp: Runbook<DrpParams> = {
  ...drpManifest,
  version: '1.0.0',
  params: drpParams,
  checkInput: checkDrpInput,
  resolveTestScope: resolveDrpRehearsal,
  steps: [
    preflightStep,
    captureMapStep,
    cleanStep,
    rebootStep,
    reattachStep,
    sshRebootStep,
  ],
};

export default drp;
