// failed-node — Recover from a failed compute node: move its instances to another host.
// Source: Compute admin guide §5.4.14 "Recover from a failed compute node" (seeds/002):
// §5.4.14.1 "Evacuate instances" (the default, --method evacuate) and §5.4.14.2 "Manual recovery"
// (--method db: the database update, libvirt.xml, the reboot), with what a Zed cloud adds to the
// guide: `node` moves with `host`, Placement allocations move to the target, and the failed host
// is fenced before anything moves — two copies of one guest writing one disk is the failure this
// runbook exists to prevent.
import { z } from 'zod';
import type { Runbook } from '../src/engine/runbook.js';
import { isHostName } from '../src/config/validate.js';
import { showValue } from '../src/config/show-value.js';
import { resolveTestInstance } from './lib/test-instance.js';
import { preflightStep } from './failed-node/preflight.js';
import { forceDownStep } from './failed-node/force-down.js';
import { evacuateStep } from './failed-node/evacuate.js';
import { moveAllocationsStep, releaseAllocationsStep } from './failed-node/allocations.js';
import { moveDbStep } from './failed-node/move-db.js';
import { libvirtXmlStep } from './failed-node/libvirt-xml.js';
import { rebootStep } from './failed-node/reboot.js';
import { attachedHostStep } from './failed-node/attached-host.js';
import { endStateStep } from './failed-node/end-state.js';
import { followUpsStep } from './failed-node/follow-ups.js';
import type { FailedNodeParams } from './failed-node/facts.js';
import { catalogueFields } from './index.js';

export const DEFAULT_INSTANCES_PATH = '/var/lib/nova/instances';
export const DEFAULT_SERVICE_VM_NAMES = '^amphora-';

function hostOption(flag: string) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? `${flag} is required: the Nova host name, as \`openstack compute service list\` shows it` : `${flag} takes a host name`) })
    .refine(isHostName, { error: (issue) => `${flag} ${showValue(issue.input)} is not a host name (letters, digits, hyphens, dots)` });
}

const params = z
  .object({
    failedHost: hostOption('--failed-host'),
    targetHost: hostOption('--target-host'),
    method: z
      .enum(['evacuate', 'db'], { error: (issue) => `--method ${showValue(issue.input)} is not a method: evacuate (the default: Nova rebuilds each instance on the target) or db (the guide's manual recovery in the database)` })
      .default('evacuate'),
    allowRebuild: z.boolean().default(false),
    fenced: hostOption('--fenced').optional(),
    instancesPath: z
      .string()
      .refine((p) => p.startsWith('/') && !p.split('/').includes('..'), { error: (issue) => `--instances-path ${showValue(issue.input)} is not an absolute path` })
      .default(DEFAULT_INSTANCES_PATH),
    serviceVmNames: z
      .string()
      .refine(
        (p) => {
          try {
            new RegExp(p);
            return true;
          } catch {
            return false;
          }
        },
        { error: (issue) => `--service-vm-names ${showValue(issue.input)} is not a regular expression` },
      )
      .default(DEFAULT_SERVICE_VM_NAMES),
    serviceVmMetadata: z
      .string()
      .refine((s) => s.split(',').every((k) => /^[A-Za-z0-9_.:-]+$/.test(k.trim())), { error: (issue) => `--service-vm-metadata ${showValue(issue.input)}: give metadata keys separated by commas` })
      .transform((s) => s.split(',').map((k) => k.trim()))
      .optional(),
    updateAttachedHost: z.boolean().default(false),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.failedHost === p.targetHost) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `--failed-host and --target-host are both ${p.failedHost}: the instances must move to another host (openstack compute service list shows the candidates)`,
      });
    }
    if (p.updateAttachedHost && p.method !== 'db') {
      ctx.addIssue({ code: 'custom', path: [], message: '--update-attached-host goes with --method db (evacuate re-attaches the volumes on the target itself)' });
    }
  })
  .transform((p): FailedNodeParams => ({ ...p, serviceVmMetadata: p.serviceVmMetadata ?? [] }));

export const failedNode: Runbook<FailedNodeParams> = {
  ...catalogueFields('failed-node'),
  version: '1.0.0',
  params: params as unknown as z.ZodType<FailedNodeParams>,
  resolveTestScope: resolveTestInstance,
  steps: [
    preflightStep,
    // --method evacuate (§5.4.14.1)
    forceDownStep,
    evacuateStep,
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
