// drp's declaration: what `novaops list`, the argument parser and the session's home read without
// loading any of its steps (runbook.ts has them).
import type { RunbookManifest } from '../../src/engine/runbook.js';

export const drpManifest = {
  id: 'drp',
  title: 'Recover cloud after disaster (power loss)',
  summary: 'capture the volume map, clean the stale DB state, reboot the instances, reattach the volumes, optionally reboot guests over SSH',
  reference: 'Compute admin guide §5.4.14.4 "Recover cloud after disaster"; "Nova Disaster Recovery Process"',
  testScope: 'instance',
  options: [{ flags: '--ssh-reboot', kind: 'toggle', key: 'sshReboot', description: 'step 5: SSH into each instance and run `shutdown -r now` from inside' }],
} as const satisfies RunbookManifest;
