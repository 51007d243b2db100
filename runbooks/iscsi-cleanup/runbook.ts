// iscsi-cleanup — free a volume whose iSCSI session went stale.
// Source: Compute admin guide (Diablo), "Troubleshoot your nova-volume installation" (seeds/003):
// "Lost connectivity between nova-volumes and node-compute; how to restore a clean state?" —
// close the stalled session on the compute node (`iscsiadm -m session -r $session_id -u`), then
// tell the cloud controller the disk can be used (the volume's four fields in the database); and
// its three known errors of discovery and login, each with its fix. DESIGN sections 5 and 8.
//
//   novaops run iscsi-cleanup --host C (--volume V | --session N) [--reconnect --portal IP --target IQN]
//
// 0 preflight (read-only) · 1 flush the multipath map and delete the SCSI devices · 2 log out that
// one session · 3 reset that one volume's DB state · 4 (--reconnect) discovery and login.
import type { Runbook } from '../../src/engine/runbook.js';
import { checkIscsiCleanupInput } from './check-input.js';
import { iscsiCleanupManifest } from './manifest.js';
import { iscsiCleanupParams, type IscsiCleanupParams } from './params.js';
import { preflightStep } from './preflight.js';
import { flushStep, logoutStep, reconnectStep, resetDbStep } from './steps.js';

export const iscsiCleanup: Runbook<IscsiCleanupParams> = {
  ...iscsiCleanupManifest,
  version: '1.0.0',
  params: iscsiCleanupParams,
  checkInput: checkIscsiCleanupInput,
  steps: [preflightStep, flushStep, logoutStep, resetDbStep, reconnectStep],
};

export default iscsiCleanup;
