// GET /os-hypervisors/detail as a real Zed answered it (realstack, fake virt driver), at the three
// microversions that change its shape: what discovery reads (service.host, host_ip) is in all.
import { describe, expect, it } from 'vitest';
import { listHypervisors, parseHypervisors } from '../../src/operations/openstack/hypervisors.js';

const at21 = {
  hypervisors: [
    {
      id: 1, hypervisor_hostname: 'compute1', state: 'up', status: 'enabled', hypervisor_type: 'fake', hypervisor_version: 1000, host_ip: '127.0.0.1',
      service: { id: 4, host: 'compute1', disabled_reason: null },
      vcpus: 1000, memory_mb: 800000, local_gb: 600000, vcpus_used: 2, memory_mb_used: 768, local_gb_used: 2, free_ram_mb: 799232, free_disk_gb: 599998,
      current_workload: 0, running_vms: 2, disk_available_least: 0, cpu_info: '{"arch": "x86_64", "model": "Nehalem"}',
    },
  ],
};
const at253 = {
  hypervisors: [
    {
      id: '24da6212-61c1-4987-9f97-f18aa95fcf22', hypervisor_hostname: 'compute1', state: 'up', status: 'enabled', hypervisor_type: 'fake', hypervisor_version: 1000,
      host_ip: '127.0.0.1', service: { id: '7b16f450-52b8-4e69-aca4-14595fff1ef3', host: 'compute1', disabled_reason: null },
      vcpus: 1000, memory_mb: 800000, running_vms: 2, cpu_info: { arch: 'x86_64', model: 'Nehalem' },
    },
  ],
};
const at288 = {
  hypervisors: [
    {
      id: '6d101340-628a-4c5d-9430-12c0f611c673', hypervisor_hostname: 'compute2.example.org', state: 'down', status: 'disabled', hypervisor_type: 'QEMU', hypervisor_version: 7002000,
      host_ip: 'fd00::12', service: { id: '48cfda79-25c1-4cd0-b871-87d1b53cfd20', host: 'compute2', disabled_reason: 'maintenance' }, uptime: null,
    },
  ],
};

describe('os-hypervisors/detail', () => {
  it('reads service.host and host_ip at 2.1, 2.53 and 2.88 (counters gone, uptime added)', () => {
    expect(parseHypervisors(at21)).toEqual([{ id: '1', hypervisorHostname: 'compute1', host: 'compute1', hostIp: '127.0.0.1', state: 'up', status: 'enabled' }]);
    expect(parseHypervisors(at253)[0]).toMatchObject({ id: '24da6212-61c1-4987-9f97-f18aa95fcf22', host: 'compute1', hostIp: '127.0.0.1' });
    // The node name (hypervisor_hostname) is not the name runbooks use: service.host is.
    expect(parseHypervisors(at288)).toEqual([{ id: '6d101340-628a-4c5d-9430-12c0f611c673', hypervisorHostname: 'compute2.example.org', host: 'compute2', hostIp: 'fd00::12', state: 'down', status: 'disabled' }]);
    expect(() => parseHypervisors({ hypervisors: [{ id: 1, hypervisor_hostname: 'x' }] })).toThrow();
  });

  it('asks at 2.53, pages by the last id', () => {
    expect(listHypervisors()).toMatchObject({ method: 'GET', path: '/os-hypervisors/detail', microversion: '2.53', paginate: { collection: 'hypervisors' }, mutating: false });
  });
});
