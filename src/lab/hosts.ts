// Simulated compute nodes: a root directory per host with the files and the tools (iscsiadm and
// the SCSI device tools, systemctl) the runbooks touch. novaops reaches them with `via: local` +
// path_prepend, or over ssh to an sshd whose PATH starts at the host's bin (test/support/sshd.ts).
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { groupText, passwdText, shadowText } from './host-files.js';
import { hostPaths } from './paths.js';
import { installDeviceStubs, resetDeviceState } from './device-stubs.js';
import { LAB_ASSETS } from './assets/embedded.js';

export async function createHost(labDirectory: string, host: string): Promise<void> {
  const hp = hostPaths(labDirectory, host);
  await mkdir(hp.bin, { recursive: true });
  await mkdir(hp.instancesDir, { recursive: true });
  await mkdir(hp.iscsiDir, { recursive: true });
  await mkdir(path.dirname(hp.novaConf), { recursive: true });
  await writeFile(hp.novaConf, computeNovaConf(hp.instancesDir));
  await writeFile(hp.passwd, passwdText());
  await writeFile(hp.group, groupText());
  await writeFile(hp.iscsiadm, LAB_ASSETS['iscsiadm.sh']);
  await chmod(hp.iscsiadm, 0o755);
  await installDeviceStubs(hp.bin);
  await writeFile(hp.systemctl, LAB_ASSETS['systemctl.sh']);
  await chmod(hp.systemctl, 0o755);
  await writeFile(hp.shadow, shadowText(passwdText(), 9), { mode: 0o640 });
  await writeFile(hp.gshadow, shadowText(groupText(), 4), { mode: 0o640 });
  await writeFile(hp.sessions, '');
  await resetDeviceState(hp.iscsiDir);
  await writeFile(hp.nextSid, '1\n');
}

/**
 * The compute's own nova.conf: its instances live under the lab host's directory, so an instances
 * path guessed as /var/lib/nova/instances is wrong here as it was on the real beds.
 */
function computeNovaConf(instancesDir: string): string {
  const statePath = path.dirname(instancesDir);
  return ['[DEFAULT]', `state_path = ${statePath}`, 'instances_path = $state_path/instances', 'compute_driver = libvirt.LibvirtDriver', ''].join('\n');
}

/**
 * Power a simulated host off (its nova-compute stops reporting and doing work; its iscsiadm answers
 * like an unreachable host) or on again (nova-compute starts: see simulator/compute-startup.ts).
 */
export async function setHostPower(labDirectory: string, host: string, on: boolean): Promise<void> {
  const hp = hostPaths(labDirectory, host);
  if (on) await rm(hp.poweredOff, { force: true });
  else await writeFile(hp.poweredOff, `${new Date().toISOString()}\n`);
}

/** Back to a freshly booted host: no instance dirs, no iSCSI sessions. */
export async function resetHostState(labDirectory: string, host: string): Promise<void> {
  const hp = hostPaths(labDirectory, host);
  await rm(hp.instancesDir, { recursive: true, force: true });
  await mkdir(hp.instancesDir, { recursive: true });
  await rm(hp.poweredOff, { force: true });
  await resetDeviceState(hp.iscsiDir);
  await writeFile(hp.sessions, '');
}
