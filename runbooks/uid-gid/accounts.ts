// The four accounts the guide makes identical on every host (§5.4.14.3): the users nova and
// libvirt-qemu, the groups nova and libvirtd, with the options that name their target ids.

export type AccountKey = 'novaUid' | 'qemuUid' | 'novaGid' | 'libvirtdGid';

export interface TrackedAccount {
  key: AccountKey;
  kind: 'uid' | 'gid';
  name: string;
  label: string;
  option: string;
  /** The guide's example value. */
  example: number;
}

export const ACCOUNTS: readonly TrackedAccount[] = [
  { key: 'novaUid', kind: 'uid', name: 'nova', label: 'user nova', option: '--nova-uid', example: 112 },
  { key: 'qemuUid', kind: 'uid', name: 'libvirt-qemu', label: 'user libvirt-qemu', option: '--qemu-uid', example: 119 },
  { key: 'novaGid', kind: 'gid', name: 'nova', label: 'group nova', option: '--nova-gid', example: 120 },
  { key: 'libvirtdGid', kind: 'gid', name: 'libvirtd', label: 'group libvirtd', option: '--libvirtd-gid', example: 119 },
];

export const TRACKED_NAMES = {
  users: ACCOUNTS.filter((a) => a.kind === 'uid').map((a) => a.name),
  groups: ACCOUNTS.filter((a) => a.kind === 'gid').map((a) => a.name),
};

/** The services that use the accounts: stopped before the change, started after (libvirtd first). */
export const SERVICES = { stopOrder: ['nova-compute', 'libvirtd'], startOrder: ['libvirtd', 'nova-compute'] } as const;
