// Step 3. "Restart the instances" — a hard reboot of each affected instance, exactly once.
// Some stop at the plymouth stage: that is expected, and they must NOT be rebooted again; the
// re-attach in step 4 lets them go on booting.
import { hardRebootStep } from '../lib/hard-reboot.js';
import { affectedInstances, type DrpParams } from './facts.js';

export const rebootStep = hardRebootStep<DrpParams>({
  id: 'reboot',
  title: 'Restart the instances (hard reboot, once each)',
  changes: 'hard-reboots each affected instance through the Compute API, once',
  unguarded:
    'only instances the power loss left SHUTOFF are rebooted, each at most once (a resume reads its instance actions first); a hard reboot of a stopped instance loses nothing',
  warnings: [
    'Some instances reboot completely, some stop at the plymouth stage. That is expected: DO NOT reboot them a second time. Step 4 re-attaches their volumes and they go on booting.',
  ],
  targets: affectedInstances,
});
