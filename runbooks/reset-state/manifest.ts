// reset-state's declaration: what `novaops list`, the argument parser and the session's home read
// without loading any of its steps (runbook.ts has them; params.ts checks the values together).
import type { RunbookManifest } from '../../src/engine/runbook.js';

export const resetStateManifest = {
  id: 'reset-state',
  title: 'Reset the state of an instance',
  summary: 'show vm_state/task_state of stuck instances, reset them to error (or --active) through the API, optionally delete them (--delete)',
  reference: 'Compute admin guide §5.5.7 "Reset the state of an instance"',
  testScope: 'instance',
  arguments: [{ syntax: '[instance...]', key: 'instances', description: 'the instances to reset: UUIDs or exact names (or --stuck-for instead)' }],
  options: [
    { flags: '--stuck-for <duration>', kind: 'text', key: 'stuckFor', description: 'every instance whose task has not moved for this long, e.g. 30m, 2h, 90s, 1h30m' },
    { flags: '--active', kind: 'toggle', key: 'active', description: 'reset to active instead of error (an instance being deleted is still reset to error and deleted)' },
    { flags: '--delete', kind: 'toggle', key: 'delete', description: 'reset to error, then delete each instance and wait until it is gone' },
    { flags: '--force', kind: 'toggle', key: 'force', description: 'also reset named instances that are not stuck' },
  ],
} as const satisfies RunbookManifest;
