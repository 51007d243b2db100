// Nova's hypervisors (`GET /os-hypervisors/detail`): the compute hosts of a cloud, as Nova lists them.
// Checked against a real Zed: every microversion's detail view has `host_ip` and
// `service: { id, host, disabled_reason }`; 2.53 makes ids UUIDs (and the paging marker one);
// 2.88 drops the resource counters (vcpus, memory_mb, running_vms, ...) and adds uptime — nothing
// here reads them. `service.host` is the name runbooks use (`--host compute1`, instances.host);
// `hypervisor_hostname` is the node name (instances.node, the Placement provider), often an FQDN.
import { z } from 'zod';
import type { ApiOperation } from '../types.js';

/** 2.53: ids are UUIDs, so the marker of the next page is the last UUID, which the pager passes on as it is. */
export const HYPERVISORS_MICROVERSION = '2.53';

export interface Hypervisor {
  id: string;
  hypervisorHostname: string;
  /** Nova's service.host. */
  host: string;
  hostIp: string | null;
  state: string | null;
  status: string | null;
}

const hypervisorSchema = z.object({
  id: z.union([z.string(), z.number()]),
  hypervisor_hostname: z.string(),
  host_ip: z.string().nullable().optional(),
  state: z.string().nullable().optional(),
  status: z.string().nullable().optional(),
  service: z.object({ host: z.string() }),
});

export function parseHypervisors(body: unknown): Hypervisor[] {
  const list = z.object({ hypervisors: z.array(hypervisorSchema) }).parse(body).hypervisors;
  return list.map((h) => ({
    id: String(h.id),
    hypervisorHostname: h.hypervisor_hostname,
    host: h.service.host,
    hostIp: h.host_ip ?? null,
    state: h.state ?? null,
    status: h.status ?? null,
  }));
}

export function listHypervisors(): ApiOperation<Hypervisor[]> & { mutating: false } {
  return {
    kind: 'api',
    service: 'compute',
    method: 'GET',
    path: '/os-hypervisors/detail',
    microversion: HYPERVISORS_MICROVERSION,
    paginate: { collection: 'hypervisors', pageSize: 500 },
    parse: parseHypervisors,
    summary: 'list the compute hosts (hypervisors)',
    mutating: false,
    target: {},
    command: 'openstack hypervisor list --long',
  };
}
