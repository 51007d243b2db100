// libvirt.xml as nova's libvirt driver leaves it in /var/lib/nova/instances/<uuid>/: failed-node
// edits DHCPSERVER and the VNC listen address in it, and iscsi-cleanup reads the disk paths.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hostPaths } from '../paths.js';
import { IQN_PREFIX } from '../types.js';
import type { PlanInstance } from './power-loss-plan.js';

export interface XmlDisk {
  device: string;
  volumeName?: string;
}

/** Simulated hosts' own addresses: compute1 -> 127.0.0.11, compute2 -> 127.0.0.12, ... */
export function hostAddress(host: string): string {
  const n = Number(/(\d+)$/.exec(host)?.[1] ?? '0');
  return `127.0.0.${10 + n}`;
}

export function libvirtXml(inst: PlanInstance, disks: XmlDisk[], bootFromVolume: boolean): string {
  const hostIp = hostAddress(inst.host);
  const instDir = `/var/lib/nova/instances/${inst.uuid}`;
  const diskXml = [
    ...(bootFromVolume
      ? []
      : [
          `    <disk type="file" device="disk">
      <driver name="qemu" type="qcow2" cache="none"/>
      <source file="${instDir}/disk"/>
      <target bus="virtio" dev="vda"/>
    </disk>`,
        ]),
    ...disks.map(
      (d) => `    <disk type="block" device="disk">
      <driver name="qemu" type="raw" cache="none" io="native"/>
      <source dev="/dev/disk/by-path/ip-127.0.0.1:3260-iscsi-${IQN_PREFIX}${d.volumeName}-lun-1"/>
      <target bus="virtio" dev="${path.basename(d.device)}"/>
      <serial>${d.volumeName?.replace(/^volume-/, '')}</serial>
    </disk>`,
    ),
  ].join('\n');
  return `<domain type="kvm">
  <uuid>${inst.uuid}</uuid>
  <name>instance-${inst.n.toString(16).padStart(8, '0')}</name>
  <memory>524288</memory>
  <vcpu>1</vcpu>
  <metadata>
    <nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1">
      <nova:name>${inst.name}</nova:name>
    </nova:instance>
  </metadata>
  <os>
    <type>hvm</type>
    <boot dev="hd"/>
  </os>
  <devices>
${diskXml}
    <interface type="bridge">
      <mac address="${inst.mac}"/>
      <model type="virtio"/>
      <source bridge="br100"/>
      <filterref filter="nova-instance-instance-${inst.n.toString(16).padStart(8, '0')}-${inst.mac.replace(/:/g, '')}">
        <parameter name="IP" value="${inst.address}"/>
        <parameter name="DHCPSERVER" value="${hostIp}"/>
      </filterref>
    </interface>
    <serial type="file">
      <source path="${instDir}/console.log"/>
    </serial>
    <graphics type="vnc" autoport="yes" keymap="en-us" listen="${hostIp}"/>
  </devices>
</domain>
`;
}

export async function writeInstanceXml(labDirectory: string, inst: PlanInstance, xml: string): Promise<void> {
  const dir = path.join(hostPaths(labDirectory, inst.host).instancesDir, inst.uuid);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'libvirt.xml'), xml);
}
