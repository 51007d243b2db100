// uid-gid — make the nova and libvirt-qemu UIDs and the nova and libvirtd GIDs identical on every host.
// Source: Compute admin guide §5.4.14.3 "Recover from a UID/GID mismatch" (seeds/002): "Set the nova
// UID to the same number in /etc/passwd on all hosts ... Choose UIDs or GIDs that are not in use for
// other users or groups. ... Stop the services on the compute node. Change all files that the nova
// user or group owns (find / -uid 108 -exec chown nova {} \;) ... Repeat all steps for the
// libvirt-qemu files, if required. Restart the services. To verify that all files use the correct
// IDs, run the find command." DESIGN section 5 "uid-gid".
//
//   novaops run uid-gid --hosts h1,h2 [--nova-uid 112 --qemu-uid 119 --nova-gid 120 --libvirtd-gid 119] [--path P ...] [--test-host h1]
//
// 0 audit (read-only: ids, files per id, targets and their order) · 1 per host: stop services,
// usermod/groupmod, chown/chgrp batched without following links (-h, -xdev), start services even
// after a failure, read back that no file is left on an old id.
import type { Runbook } from '../../src/engine/runbook.js';
import { uidGidManifest } from './manifest.js';
import { auditStep } from './audit.js';
import { changeStep } from './change.js';
import { checkHostsKnown } from './check-input.js';
import { uidGidParams, type UidGidParams } from './params.js';
import { resolveTestHost } from './test-host.js';

export const uidGid: Runbook<UidGidParams> = {
  ...uidGidManifest,
  version: '1.0.0',
  params: uidGidParams,
  checkInput: checkHostsKnown,
  resolveTestScope: resolveTestHost,
  steps: [auditStep, changeStep],
};

export default uidGid;
