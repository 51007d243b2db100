// Step (--method db). "Reboot the VM: openstack server reboot <uuid>" — a hard reboot, once each
// (runbooks/lib/hard-reboot.ts): Nova builds the domain on the target host from what the database
// now says. A stopped instance is not rebooted (a reboot would start it): it stays stopped until its
// owner starts it, which builds it on the target just the same. The fencing guard is checked again right before: a guest started here while the
// failed host still runs it gives two guests writing one disk.
import { hardRebootStep } from '../lib/hard-reboot.js';
import { hostsOf, moveKey, movingInstances, withDb, type FailedNodeParams } from './facts.js';
import { fencingGuard, targetGuard } from './guards.js';

export const rebootStep = hardRebootStep<FailedNodeParams>({
  id: 'reboot',
  title: 'Reboot the VMs on the target host (hard reboot, once each)',
  changes: 'hard-reboots each moved instance through the Compute API, once: Nova starts it on the target host',
  warnings: ['Each instance is rebooted exactly once. One that does not come back ACTIVE is reported, not rebooted again: look at its console and the nova-compute log of the target host.'],
  appliesWhen: withDb,
  guards: [fencingGuard, targetGuard],
  targets: (ctx) =>
    movingInstances(ctx, 'move-db', moveKey)
      .filter((i) => i.vmState !== 'stopped')
      .map((i) => ({ uuid: i.uuid, name: i.name, host: hostsOf(ctx).target.host })),
});
