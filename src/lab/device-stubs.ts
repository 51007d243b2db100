// The SCSI device tools of a simulated compute host: multipath, blockdev and tee (the write that
// deletes a device), sharing lab-devices.sh with the host's iscsiadm. They keep their state under
// the host's var/lib/iscsi and log each change to device-ops.log, never touching /sys or /dev.
import { chmod, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LAB_ASSETS } from './assets/embedded.js';

const TOOLS = ['multipath', 'blockdev', 'tee'] as const;

export async function installDeviceStubs(binDir: string): Promise<void> {
  await writeFile(path.join(binDir, 'lab-devices.sh'), LAB_ASSETS['lab-devices.sh']);
  await writeFile(path.join(binDir, 'lab-faults.sh'), LAB_ASSETS['lab-faults.sh']);
  for (const tool of TOOLS) {
    await writeFile(path.join(binDir, tool), LAB_ASSETS[`${tool}.sh`]);
    await chmod(path.join(binDir, tool), 0o755);
  }
}

/**
 * No disk deleted, no map flushed, nothing logged: the devices of a freshly booted host. The state
 * files exist from the start, so that a read (iscsiadm -m session) never creates one: a test that
 * hashes the host's tree sees a read-only command change nothing.
 */
export async function resetDeviceState(iscsiDir: string): Promise<void> {
  for (const file of ['deleted-devices', 'flushed-maps']) await writeFile(path.join(iscsiDir, file), '');
  await rm(path.join(iscsiDir, 'device-ops.log'), { force: true });
}

/** Where a host's device stubs and its iscsiadm log every change, one line each, in order. */
export function deviceOpsLog(iscsiDir: string): string {
  return path.join(iscsiDir, 'device-ops.log');
}
