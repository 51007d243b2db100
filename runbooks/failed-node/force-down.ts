// Step 1 (evacuate). Fence the failed host in Nova: force its nova-compute service down. Nova then
// reports it down whatever a heartbeat says, schedules nothing onto it, and accepts the evacuation
// of its instances (until then: "400 Compute service of <host> is still in use"). An operator
// brings it back after the repair with `openstack compute service set --up <host> nova-compute`.
import type { Step } from '../../src/engine/runbook.js';
import { forceDownComputeService, listComputeServices } from '../../src/operations/openstack/os-services.js';
import { hostsOf, instancesOf, withEvacuate, type FailedNodeParams } from './facts.js';
import { fencingGuard, targetGuard } from './guards.js';

export const forceDownStep: Step<FailedNodeParams> = {
  id: 'force-down',
  title: 'Fence the failed host: force its nova-compute service down',
  changes: "marks the failed host's nova-compute service forced down (PUT /os-services/{id} forced_down=true)",
  appliesWhen: withEvacuate,
  guards: [fencingGuard, targetGuard],
  async plan(ctx) {
    const { failed } = hostsOf(ctx);
    if (instancesOf(ctx).length === 0) return { items: [], notes: [`no instance to evacuate from ${failed.host}: its service is left as it is`] };
    if (ctx.scope.instance) {
      return {
        items: [],
        notes: [`rehearsal: ${failed.host}'s nova-compute is left as it is (a full run forces it down); the evacuation below needs it reported down, which the fencing guard checks`],
      };
    }
    const service = (await ctx.read(listComputeServices({ fencing: true }))).value.find((s) => s.host === failed.host);
    if (service?.forcedDown) return { items: [], notes: [`${failed.host}'s nova-compute is already forced down`] };
    return {
      items: [
        {
          key: `force-down:${failed.host}`,
          summary: `force the nova-compute service of ${failed.host} down (${failed.serviceId})`,
          target: { host: failed.host },
          ops: [forceDownComputeService({ id: failed.serviceId, host: failed.host })],
        },
      ],
      notes: [`after the repair, bring it back with: openstack compute service set --up ${failed.host} nova-compute`],
    };
  },
  async verify(ctx) {
    const { failed } = hostsOf(ctx);
    if (ctx.scope.instance || instancesOf(ctx).length === 0) return { ok: true, detail: 'nothing forced down in this run' };
    const service = (await ctx.read(listComputeServices({ fencing: true }))).value.find((s) => s.host === failed.host);
    return service?.forcedDown && service.state === 'down'
      ? { ok: true, detail: `${failed.host}'s nova-compute reads back forced down, state down` }
      : { ok: false, detail: `${failed.host}'s nova-compute reads back ${service ? `forced_down ${service.forcedDown}, state ${service.state}` : 'missing'}` };
  },
};
