// iscsi-cleanup's declaration: what `novaops list`, the argument parser and the session's home read
// without loading any of its steps (runbook.ts has them; params.ts checks the values together).
// No rehearsal scope: the runbook touches one host, one volume and its session(s) only.
import type { RunbookManifest } from '../../src/engine/runbook.js';

export const iscsiCleanupManifest = {
  id: 'iscsi-cleanup',
  title: 'Free a volume whose iSCSI session went stale',
  summary: "on one compute node: flush the session's multipath map and delete its SCSI devices, log out that one session (-r N), set the volume available/detached in the DB; optionally discover and log in again (--reconnect)",
  reference: 'Compute admin guide (nova-volume) "Troubleshoot your nova-volume installation": lost connectivity, "15 - already exists", "Cannot resolve host", "No route to host"',
  options: [
    { flags: '--host <host>', kind: 'text', key: 'host', description: 'the compute node holding the session (its name under hosts: in the config)' },
    { flags: '--volume <id>', kind: 'text', key: 'volume', description: 'the volume to free (Cinder UUID, or nova-volume numeric id): every session of it on the host is logged out, each by its id' },
    { flags: '--session <N>', kind: 'text', key: 'session', description: 'the session to free, the [N] of iscsiadm -m session on the host (its volume is found by the target name)' },
    { flags: '--allow-running', kind: 'toggle', key: 'allowRunning', description: 'go ahead although the volume is attached to an instance Nova reports running' },
    { flags: '--reconnect', kind: 'toggle', key: 'reconnect', description: 'afterwards: iscsiadm -m discovery -t st -p <portal>, then log in to <target>' },
    { flags: '--portal <ip>', kind: 'text', key: 'portal', description: '--reconnect: the volume server address for discovery and login' },
    { flags: '--target <iqn>', kind: 'text', key: 'target', description: '--reconnect: the target to log in to' },
  ],
} as const satisfies RunbookManifest;
