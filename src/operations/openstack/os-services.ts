// Nova's compute services (/os-services): the nova-compute service of each host, up or down,
// enabled, forced down, and the PUT that forces one down — the fencing the Compute admin guide
// asks for before an evacuation.
import { z } from 'zod';
import type { ApiOperation } from '../types.js';
import { posixCommand } from '../posix-quote.js';
import { fail, nullableString, seg, type ReadApi } from './request.js';

/**
 * 2.53: service ids are UUIDs (what PUT /os-services/{id} takes), `forced_down` is shown, and the
 * PUT sets it. Sent by the fencing reads and the force-down; a plain list of hosts sends none.
 */
export const SERVICES_MICROVERSION = '2.53';

export interface ComputeService {
  /** UUID (2.53+); an integer id, as a string, below it. */
  id: string;
  host: string;
  zone: string | null;
  /** enabled | disabled */
  status: string;
  /** up | down: the servicegroup's view (heartbeat within service_down_time, and not forced down). */
  state: string;
  forcedDown: boolean;
  updatedAt: string | null;
  disabledReason: string | null;
}

const serviceJson = z.object({
  id: z.union([z.string(), z.number()]),
  binary: z.string().nullish(),
  host: z.string(),
  zone: nullableString,
  status: z.string(),
  state: z.string(),
  updated_at: nullableString,
  forced_down: z.boolean().nullish(),
  disabled_reason: nullableString,
});

function toService(s: z.infer<typeof serviceJson>): ComputeService {
  return {
    id: String(s.id),
    host: s.host,
    zone: s.zone,
    status: s.status,
    state: s.state,
    forcedDown: s.forced_down ?? false,
    updatedAt: s.updated_at,
    disabledReason: s.disabled_reason,
  };
}

export function parseServiceList(body: unknown): ComputeService[] {
  const parsed = z.object({ services: z.array(serviceJson) }).safeParse(body);
  if (!parsed.success) fail('services', parsed.error);
  return parsed.data.services.map(toService);
}

export function parseServiceUpdate(body: unknown): ComputeService {
  const parsed = z.object({ service: serviceJson }).safeParse(body);
  if (!parsed.success) fail('service', parsed.error);
  return toService(parsed.data.service);
}

/**
 * Every nova-compute service. `fencing`: at SERVICES_MICROVERSION, with the UUID a force-down
 * takes and the forced_down flag (what failed-node reads); without it, the base answer, enough
 * for the hosts' names.
 */
export function listComputeServices(opts: { fencing?: true } = {}): ReadApi<ComputeService[]> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'GET',
    path: '/os-services?binary=nova-compute',
    ...(opts.fencing ? { microversion: SERVICES_MICROVERSION } : {}),
    parse: parseServiceList,
    summary: `list nova-compute services${opts.fencing ? ' (state, status, forced_down)' : ''}`,
    mutating: false,
    target: {},
    command: posixCommand([
      'openstack',
      ...(opts.fencing ? ['--os-compute-api-version', SERVICES_MICROVERSION] : []),
      'compute', 'service', 'list', '--service', 'nova-compute',
      ...(opts.fencing ? ['--long'] : []),
    ]),
  };
}

/**
 * `forced_down: true`: the servicegroup reports the service down at once whatever its heartbeat
 * says, so Nova accepts evacuations from its host and schedules nothing onto it, until an
 * operator unsets it (`openstack compute service set --up <host> nova-compute`).
 */
export function forceDownComputeService(service: { id: string; host: string }): ApiOperation<ComputeService> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'PUT',
    path: `/os-services/${seg(service.id)}`,
    body: { forced_down: true },
    microversion: SERVICES_MICROVERSION,
    okStatus: [200],
    parse: parseServiceUpdate,
    summary: `force the nova-compute service of ${service.host} down`,
    mutating: true,
    target: { host: service.host },
    command: posixCommand(['openstack', '--os-compute-api-version', SERVICES_MICROVERSION, 'compute', 'service', 'set', '--down', service.host, 'nova-compute']),
  };
}
