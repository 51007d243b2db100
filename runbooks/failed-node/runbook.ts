// failed-node — Recover from a failed compute node: move its instances to another host.
// Source: Compute admin guide §5.4.14 "Recover from a failed compute node" (seeds/002):
// §5.4.14.1 "Evacuate instances" (the default, --method evacuate) and §5.4.14.2 "Manual recovery"
// (--method db: the database update, libvirt.xml, the reboot), with what a Zed cloud adds to the
// guide: `node` moves with `host`, Placement allocations move to the target, and the failed host
// is fenced before anything moves — two copies of one guest writing one disk is the failure this
// runbook exists to prevent.
import type { Runbook } from '../../src/engine/runbook.js';
import { resolveTestInstance } from '../lib/test-instance.js';
import { checkFailedNodeInput } from './check-input.js';
import { failedNodeManifest } from './manifest.js';
import { failedNodeParams, type FailedNodeParams } from './params.js';
import { preflightStep } from './preflight.js';
import { forceDownStep } from './force-down.js';
import { evacuateStep } from './evacuate.js';
import { startEvacuatedStep } from './start-evacuated.js';
import { moveAllocationsStep, releaseAllocationsStep } from './allocations.js';
import { moveDbStep } from './move-db.js';
import { libvirtXmlStep } from './libvirt-xml.js';
import { rebootStep } from './reboot.js';
import { attachedHostStep } from './attached-host.js';
import { endStateStep } from './end-state.js';
import { followUpsStep } from './follow-ups.js';

// Each method's steps say when they apply (appliesWhen): the run marks the other method's steps
// "not applicable" without planning them, and `novaops show` prints the condition beside each.
export const failedNode: Runbook<FailedNodeParams> = {
  ...failedNodeManifest,
  version: '1.0.0',
  params: failedNodeParams,
  checkInput: checkFailedNodeInput,
  resolveTestScope: resolveTestInstance,
  steps: [
    preflightStep,
    // --method evacuate (§5.4.14.1)
    forceDownStep,
    evacuateStep,
    startEvacuatedStep,
    releaseAllocationsStep,
    // --method db (§5.4.14.2)
    moveDbStep,
    moveAllocationsStep,
    libvirtXmlStep,
    rebootStep,
    attachedHostStep,
    // both
    endStateStep,
    followUpsStep,
  ],
};

export default failedNode;
