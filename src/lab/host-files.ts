// The /etc/passwd and /etc/group of a simulated compute node: a Debian-like base with the
// accounts the uid-gid runbook cares about (nova, libvirt-qemu; groups nova, libvirtd).

export interface HostIds {
  novaUid: number;
  novaGid: number;
  qemuUid: number;
  kvmGid: number;
  libvirtdGid: number;
}

export const DEFAULT_IDS: HostIds = { novaUid: 64060, novaGid: 64060, qemuUid: 64055, kvmGid: 108, libvirtdGid: 110 };

export function passwdText(ids: HostIds = DEFAULT_IDS): string {
  return [
    'root:x:0:0:root:/root:/bin/bash',
    'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
    'bin:x:2:2:bin:/bin:/usr/sbin/nologin',
    'sys:x:3:3:sys:/dev:/usr/sbin/nologin',
    'sync:x:4:65534:sync:/bin:/bin/sync',
    'man:x:6:12:man:/var/cache/man:/usr/sbin/nologin',
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
    'systemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin',
    'messagebus:x:100:107::/nonexistent:/usr/sbin/nologin',
    'sshd:x:101:65534::/run/sshd:/usr/sbin/nologin',
    'libvirt-dnsmasq:x:102:109:Libvirt Dnsmasq,,,:/var/lib/libvirt/dnsmasq:/usr/sbin/nologin',
    `libvirt-qemu:x:${ids.qemuUid}:${ids.kvmGid}:Libvirt Qemu,,,:/var/lib/libvirt:/usr/sbin/nologin`,
    `nova:x:${ids.novaUid}:${ids.novaGid}::/var/lib/nova:/bin/sh`,
    '',
  ].join('\n');
}

/** shadow (9 fields) or gshadow (4 fields) for the accounts of a passwd or group text: locked, no password. */
export function shadowText(accounts: string, fields: 9 | 4): string {
  const names = accounts.split('\n').filter((l) => l.includes(':')).map((l) => l.split(':')[0]);
  return names.map((n) => [n, '!*', ...Array<string>(fields - 2).fill('')].join(':')).join('\n') + '\n';
}

export function groupText(ids: HostIds = DEFAULT_IDS): string {
  return [
    'root:x:0:',
    'daemon:x:1:',
    'bin:x:2:',
    'sys:x:3:',
    'adm:x:4:',
    'disk:x:6:',
    'man:x:12:',
    'nogroup:x:65534:',
    'systemd-network:x:998:',
    'messagebus:x:107:',
    `kvm:x:${ids.kvmGid}:nova,libvirt-qemu`,
    'libvirt-dnsmasq:x:109:',
    `libvirtd:x:${ids.libvirtdGid}:nova`,
    `nova:x:${ids.novaGid}:`,
    '',
  ].join('\n');
}
