// The guide's follow-ups. "Typically, the database update and openstack server reboot command
// recover a VM from a failed host. However, if problems persist, try one of these actions: use virsh
// to recreate the network filter configuration; restart Compute services; update the vm_state and
// power_state fields in the Compute database." And what a cloud since cells v2 and Placement adds:
// what is still allocated on the failed host's provider, Cinder attachments still naming it, and
// what must happen before the failed host starts again.
import { readVolumes } from '../lib/bulk-read.js';
import type { Step, StepContext } from '../../src/engine/runbook.js';
import { showList } from '../../src/values/show-value.js';
import { providerAllocations } from '../../src/operations/openstack/allocations.js';
import { hostsOf, label, type FailedNodeParams } from './facts.js';
import { leftBehind, movedInstances } from './end-state.js';

export const followUpsStep: Step<FailedNodeParams> = {
  id: 'follow-ups',
  title: "The guide's follow-ups: what is left on the failed host, and what to do before it starts again",
  changes: 'nothing (read-only): prints what to look at and the commands',
  readOnly: true,
  async plan(ctx) {
    const { failed, target } = hostsOf(ctx);
    const moved = movedInstances(ctx);
    const notes: string[] = [];
    if (moved.length === 0) return { items: [], notes: ['no instance moved: no follow-up'] };
    if (ctx.mode === 'live') {
      const left = (await ctx.read(providerAllocations(failed.provider))).value;
      const movedIds = new Set(moved.map((i) => i.uuid));
      const ours = Object.keys(left).filter((c) => movedIds.has(c));
      const others = Object.keys(left).filter((c) => !movedIds.has(c));
      notes.push(
        ours.length
          ? `Placement: ${ours.length} moved instance(s) still hold resources on ${failed.host}'s provider: ${showList(ours, 5)} — nova-manage placement heal_allocations --instance <uuid>`
          : `Placement: no moved instance holds anything on ${failed.host}'s provider ${failed.provider}`,
      );
      if (others.length) {
        notes.push(`Placement: ${others.length} other consumer(s) still on ${failed.host}'s provider (left behind on purpose, or not instances): ${showList(others, 5)}; audit with: nova-manage placement audit --resource_provider ${failed.provider} --verbose`);
      }
      const stale = await attachmentsNaming(ctx, moved.flatMap((i) => i.volumes.map((v) => ({ volume: v.id, instance: i.uuid }))), failed.host);
      if (stale.length) {
        notes.push(
          `Cinder: ${stale.length} attachment(s) still name ${failed.host} as their host (${showList(stale, 5)}): ` +
            (ctx.params.method === 'db' ? `rerun with --update-attached-host to record ${target.host}, or detach and re-attach through Nova (openstack server remove volume / add volume) to renew the export` : 'look at them with openstack volume attachment list'),
        );
      }
    }
    notes.push(`Placement audit of the failed host's provider: nova-manage placement audit --resource_provider ${failed.provider} --verbose (add --delete to remove orphaned allocations)`);
    notes.push(`An instance without allocations on ${target.host}: nova-manage placement heal_allocations --instance <uuid> --verbose`);
    if (ctx.params.method === 'db') {
      notes.push(
        `Before ${failed.host} starts again: its libvirt may still define these guests. Check with \`virsh list --all\` there and undefine the moved ones (virsh undefine <instance-name>) before its nova-compute starts: Nova does not clean up guests moved in the database`,
      );
      notes.push('If an instance does not come up: recreate its network filter with virsh (virsh nwfilter-list), restart nova-compute on the target, or correct vm_state/power_state (novaops run reset-state)');
    } else if (!ctx.scope.instance) {
      notes.push(
        `After ${failed.host} is repaired: start its nova-compute (it deletes the evacuated guests there and marks their evacuations completed), then: openstack compute service set --up ${failed.host} nova-compute`,
      );
    }
    const left = leftBehind(ctx);
    if (left.length) notes.push(`left on ${failed.host}: ${showList(left.map((l) => label(l)), 10)} — see the reasons above`);
    return { items: [], notes };
  },
};

/** "volume of instance" for each attachment of the given pairs whose Cinder host is still `host`. */
async function attachmentsNaming(ctx: StepContext, pairs: { volume: string; instance: string }[], host: string): Promise<string[]> {
  const ids = [...new Set(pairs.map((p) => p.volume))];
  const byId = await readVolumes(ctx, ids);
  return pairs
    .filter((p) => byId.get(p.volume)?.attachments.some((a) => a.serverId === p.instance && a.hostName === host))
    .map((p) => `${p.volume} of ${p.instance}`);
}
