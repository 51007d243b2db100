// uid-gid's declaration: what `novaops list`, the argument parser and the session's home read
// without loading any of its steps (runbook.ts has them; params.ts checks the values together).
import type { RunbookManifest } from '../../src/engine/runbook.js';

export const uidGidManifest = {
  id: 'uid-gid',
  title: 'Recover from a UID/GID mismatch',
  summary: "make the nova and libvirt-qemu UIDs and the nova and libvirtd GIDs identical on every host: audit, then per host stop the services, usermod/groupmod, chown the old ids' files (batched, no symlink followed, -xdev), start the services, read back",
  reference: 'Compute admin guide §5.4.14.3 "Recover from a UID/GID mismatch"',
  testScope: 'host',
  options: [
    { flags: '--hosts <h1,h2,...>', kind: 'text', key: 'hosts', description: 'the compute hosts to make identical (names under hosts: in the config, comma-separated)' },
    { flags: '--nova-uid <uid>', kind: 'text', key: 'novaUid', description: 'the UID user nova gets on every host (default: proposed, free on every host)' },
    { flags: '--qemu-uid <uid>', kind: 'text', key: 'qemuUid', description: 'the UID user libvirt-qemu gets on every host (default: proposed)' },
    { flags: '--nova-gid <gid>', kind: 'text', key: 'novaGid', description: 'the GID group nova gets on every host (default: proposed)' },
    { flags: '--libvirtd-gid <gid>', kind: 'text', key: 'libvirtdGid', description: 'the GID group libvirtd gets on every host (default: proposed)' },
    {
      flags: '--path <path>',
      kind: 'list',
      key: 'path',
      repeatable: true,
      description: 'a directory whose files follow the ids; repeat it for several (replaces the defaults /var/lib/nova, /etc/nova, /var/lib/libvirt, /etc/libvirt, /var/log/nova, /var/log/libvirt)',
    },
  ],
} as const satisfies RunbookManifest;
