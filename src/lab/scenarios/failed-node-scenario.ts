// `novaops lab scenario failed-node`: one compute host died (failed-node's starting point). The work is in failed-node.ts.
import type { FailedNodeOptions, FailedNodeSummary } from './failed-node.js';
import { defineScenario, INSTANCES, SEED, VOLUMES } from './scenario.js';

export const failedNode = defineScenario<'failed-node', FailedNodeOptions, FailedNodeSummary>({
  name: 'failed-node',
  summary: 'one compute host died, with instances of every kind on it',
  options: [
    INSTANCES,
    VOLUMES,
    { flags: '--shared-storage', key: 'sharedStorage', description: 'the target host sees the instances path of the failed one', kind: 'switch' },
    { flags: '--legacy-libvirt-xml', key: 'legacyLibvirtXml', description: 'libvirt.xml files under the instances path, as on older deployments', kind: 'switch' },
    { flags: '--other-instances <n>', key: 'otherInstances', description: 'instances on the hosts that did not fail', kind: 'count', min: 0 },
    { flags: '--failed-host <host>', key: 'failedHost', description: 'which host dies (default the first)', kind: 'host' },
    { flags: '--target-host <host>', key: 'targetHost', description: 'the host to recover onto (default the next)', kind: 'host' },
    { flags: '--heartbeat-age <s>', key: 'heartbeatAgeSeconds', description: "seconds since the failed host's last heartbeat", kind: 'count', min: 0 },
    SEED,
  ],
  async apply(lab, options) {
    const { applyFailedNode } = await import('./failed-node.js');
    return applyFailedNode(lab.info, await lab.db(), options, lab.cells);
  },
});
