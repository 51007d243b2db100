// The runbook catalogue: what `novaops list` and the argument parser need, without loading any
// runbook's code (start-up time is what an operator waits for at 3 a.m.). Ids are stable:
// transcripts and resumes refer to them.
import type { ArgumentSpec, OptionSpec, Runbook, TestScopeKind } from '../src/engine/runbook.js';

export interface CatalogueEntry {
  id: string;
  title: string;
  summary: string;
  reference: string;
  /** The rehearsal it offers: --test-instance, --test-host (or none). */
  testScope?: TestScopeKind;
  options: OptionSpec[];
  arguments?: ArgumentSpec[];
  load(): Promise<Runbook>;
}

export const catalogue: readonly CatalogueEntry[] = [
  {
    id: 'drp',
    title: 'Recover cloud after disaster (power loss)',
    summary: 'capture the volume map, clean the stale DB state, reboot the instances, reattach the volumes, optionally reboot guests over SSH',
    reference: 'Compute admin guide §5.4.14.4 "Recover cloud after disaster"; "Nova Disaster Recovery Process"',
    testScope: 'instance',
    options: [{ flags: '--ssh-reboot', description: 'step 5: SSH into each instance and run `shutdown -r now` from inside', key: 'sshReboot' }],
    load: async () => (await import('./drp.js')).drp,
  },
  {
    id: 'reset-state',
    title: 'Reset the state of an instance',
    summary: 'show vm_state/task_state of stuck instances, reset them to error (or --active) through the API, optionally delete them (--delete)',
    reference: 'Compute admin guide §5.5.7 "Reset the state of an instance"',
    testScope: 'instance',
    arguments: [{ syntax: '[instance...]', description: 'the instances to reset: UUIDs or exact names (or --stuck-for instead)', key: 'instances' }],
    options: [
      { flags: '--stuck-for <duration>', description: 'every instance whose task has not moved for this long, e.g. 30m, 2h, 90s, 1h30m', key: 'stuckFor' },
      { flags: '--active', description: 'reset to active instead of error (an instance being deleted is still reset to error and deleted)', key: 'active' },
      { flags: '--delete', description: 'reset to error, then delete each instance and wait until it is gone', key: 'delete' },
      { flags: '--force', description: 'also reset named instances that are not stuck', key: 'force' },
    ],
    load: async () => (await import('./reset-state.js')).resetState,
  },
  {
    id: 'failed-node',
    title: 'Recover from a failed compute node',
    summary: "move a dead compute host's instances to another host: fence it, evacuate (or, --method db, the guide's manual recovery), move their Placement allocations, read back the end state",
    reference: 'Compute admin guide §5.4.14 "Recover from a failed compute node": §5.4.14.1 "Evacuate instances", §5.4.14.2 "Manual recovery"',
    testScope: 'instance',
    options: [
      { flags: '--failed-host <host>', description: 'the compute host that failed (its Nova host name)', key: 'failedHost' },
      { flags: '--target-host <host>', description: 'the compute host to move its instances to (nova-compute up and enabled)', key: 'targetHost' },
      { flags: '--method <method>', description: 'evacuate (default: Nova rebuilds each instance on the target) or db (the manual recovery: host and node in the database, libvirt.xml, hard reboot)', key: 'method', choices: ['evacuate', 'db'] },
      { flags: '--allow-rebuild', description: 'also move image-backed instances whose disk is not on shared storage: they are rebuilt from their image, their root disk is LOST', key: 'allowRebuild' },
      { flags: '--fenced <host>', description: 'the failed host, typed again: you fenced it by other means (powered off through its BMC) and novaops cannot check', key: 'fenced' },
      { flags: '--instances-path <path>', description: 'instances_path of nova.conf on the target host (default /var/lib/nova/instances)', key: 'instancesPath' },
      { flags: '--service-vm-names <regex>', description: 'service VMs left alone in bulk, by name (default ^amphora-)', key: 'serviceVmNames' },
      { flags: '--service-vm-metadata <keys>', description: 'service VMs left alone in bulk, by metadata key (comma-separated)', key: 'serviceVmMetadata' },
      { flags: '--update-attached-host', description: "--method db: record the target host in Cinder's attachments of the moved instances", key: 'updateAttachedHost' },
    ],
    load: async () => (await import('./failed-node.js')).failedNode,
  },
  {
    id: 'iscsi-cleanup',
    title: 'Free a volume whose iSCSI session went stale',
    summary: "on one compute node: flush the session's multipath map and delete its SCSI devices, log out that one session (-r N), set the volume available/detached in the DB; optionally discover and log in again (--reconnect)",
    reference: 'Compute admin guide (nova-volume) "Troubleshoot your nova-volume installation": lost connectivity, "15 - already exists", "Cannot resolve host", "No route to host"',
    options: [
      { flags: '--host <host>', description: 'the compute node holding the session (its name under hosts: in the config)', key: 'host' },
      { flags: '--volume <id>', description: 'the volume to free (Cinder UUID, or nova-volume numeric id): every session of it on the host is logged out, each by its id', key: 'volume' },
      { flags: '--session <N>', description: 'the session to free, the [N] of iscsiadm -m session on the host (its volume is found by the target name)', key: 'session' },
      { flags: '--allow-running', description: 'go ahead although the volume is attached to an instance Nova reports running', key: 'allowRunning' },
      { flags: '--reconnect', description: 'afterwards: iscsiadm -m discovery -t st -p <portal>, then log in to <target>', key: 'reconnect' },
      { flags: '--portal <ip>', description: '--reconnect: the volume server address for discovery and login', key: 'portal' },
      { flags: '--target <iqn>', description: '--reconnect: the target to log in to', key: 'target' },
    ],
    load: async () => (await import('./iscsi-cleanup.js')).iscsiCleanup,
  },
  {
    id: 'uid-gid',
    title: 'Recover from a UID/GID mismatch',
    summary: 'make the nova and libvirt-qemu UIDs and the nova and libvirtd GIDs identical on every host: audit, then per host stop the services, usermod/groupmod, chown the old ids\' files (batched, no symlink followed, -xdev), start the services, read back',
    reference: 'Compute admin guide §5.4.14.3 "Recover from a UID/GID mismatch"',
    testScope: 'host',
    options: [
      { flags: '--hosts <h1,h2,...>', description: 'the compute hosts to make identical (names under hosts: in the config, comma-separated)', key: 'hosts' },
      { flags: '--nova-uid <uid>', description: 'the UID user nova gets on every host (default: proposed, free on every host)', key: 'novaUid' },
      { flags: '--qemu-uid <uid>', description: 'the UID user libvirt-qemu gets on every host (default: proposed)', key: 'qemuUid' },
      { flags: '--nova-gid <gid>', description: 'the GID group nova gets on every host (default: proposed)', key: 'novaGid' },
      { flags: '--libvirtd-gid <gid>', description: 'the GID group libvirtd gets on every host (default: proposed)', key: 'libvirtdGid' },
      {
        flags: '--path <path>',
        description: 'a directory whose files follow the ids; repeat it for several (replaces the defaults /var/lib/nova, /etc/nova, /var/lib/libvirt, /etc/libvirt, /var/log/nova, /var/log/libvirt)',
        key: 'path',
        repeatable: true,
      },
    ],
    load: async () => (await import('./uid-gid.js')).uidGid,
  },
];

/**
 * What a runbook takes from its catalogue entry (one place for its id, title, reference, options,
 * arguments and test scope), so that `list`, the argument parser and the runbook never disagree.
 */
export function catalogueFields(id: string): Pick<Runbook, 'id' | 'title' | 'reference' | 'summary' | 'options' | 'arguments' | 'testScope'> {
  const entry = findEntry(id);
  if (!entry) throw new Error(`runbook ${id} is not in the catalogue`);
  const { title, reference, summary, options, arguments: args, testScope } = entry;
  return { id, title, reference, summary, options, arguments: args, testScope };
}

export function findEntry(id: string): CatalogueEntry | undefined {
  return catalogue.find((r) => r.id === id);
}

export async function loadRunbook(id: string): Promise<Runbook | undefined> {
  return findEntry(id)?.load();
}
