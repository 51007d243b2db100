// failed-node's declaration: what `novaops list`, the argument parser and the session's home read
// without loading any of its steps (runbook.ts has them; params.ts checks the values together).
import type { RunbookManifest } from '../../src/engine/runbook.js';

export const DEFAULT_SERVICE_VM_NAMES = '^amphora-';

export const failedNodeManifest = {
  id: 'failed-node',
  title: 'Recover from a failed compute node',
  summary: "move a dead compute host's instances to another host: fence it, evacuate (or, --method db, the guide's manual recovery), move their Placement allocations, read back the end state",
  reference: 'Compute admin guide §5.4.14 "Recover from a failed compute node": §5.4.14.1 "Evacuate instances", §5.4.14.2 "Manual recovery"',
  testScope: 'instance',
  options: [
    { flags: '--failed-host <host>', kind: 'text', key: 'failedHost', description: 'the compute host that failed (its Nova host name)' },
    { flags: '--target-host <host>', kind: 'text', key: 'targetHost', description: 'the compute host to move its instances to (nova-compute up and enabled)' },
    {
      flags: '--method <method>',
      kind: 'choice',
      key: 'method',
      choices: ['evacuate', 'db'],
      default: 'evacuate',
      description: 'evacuate (default: Nova rebuilds each instance on the target) or db (the manual recovery: host and node in the database, libvirt.xml, hard reboot)',
    },
    { flags: '--allow-rebuild', kind: 'toggle', key: 'allowRebuild', description: 'also move image-backed instances whose disk is not on shared storage: they are rebuilt from their image, their root disk is LOST' },
    { flags: '--fenced <host>', kind: 'text', key: 'fenced', description: 'the failed host, typed again: you fenced it by other means (powered off through its BMC) and novaops cannot check' },
    {
      flags: '--instances-path <path>',
      kind: 'text',
      key: 'instancesPath',
      description: "the target host's instances path (default: instances_path, or $state_path/instances, of the target's own nova.conf, read over its host channel)",
    },
    { flags: '--service-vm-names <regex>', kind: 'text', key: 'serviceVmNames', default: DEFAULT_SERVICE_VM_NAMES, description: `service VMs left alone in bulk, by name (default ${DEFAULT_SERVICE_VM_NAMES})` },
    { flags: '--service-vm-metadata <keys>', kind: 'text', key: 'serviceVmMetadata', description: 'service VMs left alone in bulk, by metadata key (comma-separated)' },
    { flags: '--update-attached-host', kind: 'toggle', key: 'updateAttachedHost', description: "--method db: record the target host in Cinder's attachments of the moved instances" },
  ],
} as const satisfies RunbookManifest;
