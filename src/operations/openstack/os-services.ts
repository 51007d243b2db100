// nova-compute services as failed-node reads and fences them. Microversion 2.53: service ids are
// UUIDs, `forced_down` is shown, and PUT /os-services/{id} forces a service down — the fencing
// the Compute admin guide asks for before an evacuation.
import { z } from 'zod';
import type { ApiOperation } from '../types.js';
import { posixCommand } from '../posix-quote.js';

export const SERVICES_MICROVERSION = '2.53';

export interface ComputeServiceState {
  /** UUID (2.53+). */
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

type ReadApi<T> = ApiOperation<T> & { mutating: false };

const nullableString = z.string().nullish().transform((v) => v ?? null);

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

function fail(what: string, error: z.ZodError): never {
  const issue = error.issues[0];
  throw new Error(`${what}: ${issue ? `${issue.path.map(String).join('.') || 'top'}: ${issue.message}` : 'unexpected shape'}`);
}

function toService(s: z.infer<typeof serviceJson>): ComputeServiceState {
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

export function parseServiceList(body: unknown): ComputeServiceState[] {
  const parsed = z.object({ services: z.array(serviceJson) }).safeParse(body);
  if (!parsed.success) fail('services', parsed.error);
  return parsed.data.services.map(toService);
}

export function parseServiceUpdate(body: unknown): ComputeServiceState {
  const parsed = z.object({ service: serviceJson }).safeParse(body);
  if (!parsed.success) fail('service', parsed.error);
  return toService(parsed.data.service);
}

/** Every nova-compute service with its up/down state and forced_down flag. */
export function listComputeServiceStates(): ReadApi<ComputeServiceState[]> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'GET',
    path: '/os-services?binary=nova-compute',
    microversion: SERVICES_MICROVERSION,
    parse: parseServiceList,
    summary: 'list nova-compute services (state, status, forced_down)',
    mutating: false,
    target: {},
    command: posixCommand(['openstack', '--os-compute-api-version', SERVICES_MICROVERSION, 'compute', 'service', 'list', '--service', 'nova-compute', '--long']),
  };
}

/**
 * `forced_down: true`: the servicegroup reports the service down at once whatever its heartbeat
 * says, so Nova accepts evacuations from its host and schedules nothing onto it, until an
 * operator unsets it (`openstack compute service set --up <host> nova-compute`).
 */
export function forceDownComputeService(service: { id: string; host: string }): ApiOperation<ComputeServiceState> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'PUT',
    path: `/os-services/${encodeURIComponent(service.id)}`,
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
