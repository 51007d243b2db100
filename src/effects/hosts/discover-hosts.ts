// The compute hosts of a cloud whose config names none: every hypervisor the Compute API lists,
// named by its service.host, reached over ssh at its host_ip with the config's ssh: defaults and
// the same strict host key checking. A name or address that does not validate is left out and
// said so, never passed to ssh.
import type { HostSpec, SshDefaults } from '../../config/types.js';
import { isAddress, isHostName } from '../../values/validate.js';
import { showValue } from '../../values/show-value.js';
import { listHypervisors } from '../../operations/openstack/hypervisors.js';
import type { DiscoveredHosts, OpenStackEffect } from '../types.js';

const DEFAULT_SSH: SshDefaults = { user: 'root', port: 22 };

export async function discoverComputeHosts(openstack: OpenStackEffect, ssh: SshDefaults = DEFAULT_SSH): Promise<DiscoveredHosts> {
  const result = await openstack.execute(listHypervisors());
  if (!result.ok || !result.value) throw new Error(`GET /os-hypervisors/detail: ${result.error ?? 'no answer'}`);
  const hosts: Record<string, HostSpec> = {};
  const skipped: string[] = [];
  for (const h of result.value) {
    if (!isHostName(h.host)) {
      skipped.push(`hypervisor ${showValue(h.hypervisorHostname)}: its service host ${showValue(h.host)} is not a host name`);
    } else if (!h.hostIp || !isAddress(h.hostIp)) {
      skipped.push(`${h.host}: host_ip ${h.hostIp === null ? 'is empty' : `${showValue(h.hostIp)} is not an address`}; name it under hosts: to reach it`);
    } else if (hosts[h.host]) {
      // One host with several nodes (ironic): one ssh target is enough.
    } else {
      hosts[h.host] = { via: 'ssh', address: h.hostIp, port: ssh.port, user: ssh.user, identityFile: ssh.identityFile, knownHostsFile: ssh.knownHostsFile, ...(ssh.jump ? { jump: ssh.jump } : {}) };
    }
  }
  return { hosts, skipped };
}
