// Nova servers: the one shape every runbook reads (parsed from JSON that spells things like
// "OS-EXT-SRV-ATTR:host"), the path of a server, and every request on /servers: list, show, the
// actions (reboot, os-resetState, evacuate) and delete. Runbooks build their views on this shape
// (reset-state's ServerState, failed-node's HostServer); sub-resources of a server (its instance
// actions, its volume attachments) build their paths on serverPath.
//
// Facts from a real Zed cloud (shared/realstack), which these builders are shaped by:
// - os-resetState answers 202 with an empty body, and the change is already made when it answers:
//   vm_state is the one asked for, task_state NULL, updated_at now; Nova records an instance
//   action "resetState". Only "active" and "error" are accepted (400 otherwise); admin only (403).
// - DELETE answers 204. On an instance whose task_state is already "deleting" it does nothing at
//   all (the API logs "Instance is already in deleting state, ignoring this request"; only
//   updated_at moves): that is why the guide resets the state before it deletes.
// - A deleted instance answers 404 to GET, DELETE and os-resetState.
// - GET /servers/detail?changes-before=T is honoured from microversion 2.66 (silently ignored
//   before), and then lists DELETED instances too; task_state as a filter is admin-only and is
//   silently ignored for other users. Neither is trusted alone: reset-state filters the answer again.
// - Evacuate answers 200; its body may carry an adminPass, which is never kept.
// - os-start answers 202 and takes a stopped instance through powering-on to active (nova
//   compute/api.py start: check_instance_state(vm_state=[STOPPED])).
import { z } from 'zod';
import type { ApiOperation } from '../types.js';
import { posixCommand } from '../posix-quote.js';
import { atMicroversion, nullableString, pick, query, seg, type ReadApi } from './request.js';

/**
 * What list, show, reboot, os-resetState and delete send: no version header, so Nova answers at
 * its base 2.1, whose server view (OS-EXT-* attributes, os-extended-volumes, tenant_id, fault)
 * is what toServer reads. A later microversion changes that view: move it here, once.
 */
export const SERVERS_MICROVERSION: string | undefined = undefined;
/** 2.66: GET /servers(/detail) takes changes-before (sent only with that filter). */
export const CHANGES_BEFORE_MICROVERSION = '2.66';
/**
 * The evacuate microversions novaops knows, ascending (the request's choice: versions.ts).
 * 2.29: `host` is checked by the scheduler (no `force`), and since 2.14 there is no
 * onSharedStorage: Nova finds out itself whether the instance's disk is on shared storage; the
 * instance comes back in the power state it had (ACTIVE, or SHUTOFF if it was stopped).
 * 2.95 (2023.1, the same body): Nova leaves every evacuated instance stopped on the target (one
 * evacuated from ERROR aside); the ones that ran must be started again (os-start).
 */
export const EVACUATE_MICROVERSIONS = ['2.29', '2.95'] as const;
export type EvacuateMicroversion = (typeof EVACUATE_MICROVERSIONS)[number];
/** From this evacuate microversion on, an evacuated instance ends stopped. */
export const EVACUATE_STOPS_FROM: EvacuateMicroversion = '2.95';

const pageSize = 500;

export interface Server {
  id: string;
  name: string;
  status: string;
  vmState: string | null;
  taskState: string | null;
  powerState: number | null;
  host: string | null;
  addresses: { addr: string; type: 'fixed' | 'floating' | string; network: string }[];
  /** Volume ids, from os-extended-volumes:volumes_attached. */
  volumesAttached: string[];
  /** When the instance record last changed (Nova's `updated`, ISO 8601), or null if not given. */
  updatedAt: string | null;
  /** OS-EXT-SRV-ATTR:hypervisor_hostname */
  node: string | null;
  /** The image id, or null when the server boots from a volume (Nova answers image ""). */
  imageId: string | null;
  metadata: Record<string, string>;
  projectId: string | null;
  userId: string | null;
  /** The fault Nova recorded (code and message), when it is in ERROR. */
  fault: string | null;
}

export type ResetTarget = 'error' | 'active';

/** Strict about what the runbooks rely on, and ignores the rest. */
const serverJson = z.object({
  id: z.string(),
  name: z.string().nullish(),
  status: z.string(),
  'OS-EXT-STS:vm_state': nullableString,
  'OS-EXT-STS:task_state': nullableString,
  'OS-EXT-STS:power_state': z.number().nullish(),
  'OS-EXT-SRV-ATTR:host': nullableString,
  'OS-EXT-SRV-ATTR:hypervisor_hostname': nullableString,
  updated: nullableString,
  image: z.union([z.string(), z.object({ id: z.string() }).passthrough()]).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  tenant_id: nullableString,
  user_id: nullableString,
  fault: z.object({ message: z.string().nullish(), code: z.number().nullish() }).passthrough().nullish(),
  addresses: z
    .record(z.string(), z.array(z.object({ addr: z.string(), 'OS-EXT-IPS:type': z.string().nullish() })))
    .nullish(),
  'os-extended-volumes:volumes_attached': z.array(z.object({ id: z.string() })).nullish(),
});

function toServer(s: z.infer<typeof serverJson>): Server {
  return {
    id: s.id,
    name: s.name ?? '',
    status: s.status,
    vmState: s['OS-EXT-STS:vm_state'],
    taskState: s['OS-EXT-STS:task_state'],
    powerState: s['OS-EXT-STS:power_state'] ?? null,
    host: s['OS-EXT-SRV-ATTR:host'],
    addresses: Object.entries(s.addresses ?? {}).flatMap(([network, list]) =>
      list.map((a) => ({ addr: a.addr, type: a['OS-EXT-IPS:type'] ?? 'fixed', network })),
    ),
    volumesAttached: (s['os-extended-volumes:volumes_attached'] ?? []).map((v) => v.id),
    updatedAt: s.updated,
    node: s['OS-EXT-SRV-ATTR:hypervisor_hostname'],
    imageId: typeof s.image === 'object' && s.image !== null ? s.image.id : null,
    metadata: s.metadata ?? {},
    projectId: s.tenant_id,
    userId: s.user_id,
    fault: s.fault ? [s.fault.code, s.fault.message].filter((x) => x !== undefined && x !== null).join(' ') || null : null,
  };
}

export const parseServers = (body: unknown): Server[] => pick('servers', z.array(serverJson))(body).map(toServer);
export const parseServer = (body: unknown): Server => toServer(pick('server', serverJson)(body));

/** A 404 is an answer here, not a failure: `null` means Nova no longer has the instance. */
export function parseServerOrGone(body: unknown): Server | null {
  if (body && typeof body === 'object' && 'itemNotFound' in body) return null;
  return parseServer(body);
}

/** /servers/{id}: the path every request about one server (and its sub-resources) starts with. */
export function serverPath(id: string): string {
  return `/servers/${seg(id)}`;
}

export interface ServerFilter {
  host?: string;
  /** A regular expression, as Nova filters names. */
  name?: string;
  status?: string;
  /** Only servers whose record last changed at or before this (2.66; DELETED ones included, as Nova does). */
  changedBefore?: Date;
  /** Always across all projects (a recovery concerns every tenant's servers); says so at the call. */
  allProjects?: true;
}

/** Every server of every project that matches `filter`, one paginated listing. */
export function listServers(filter: ServerFilter = {}): ReadApi<Server[]> {
  const before = filter.changedBefore ? novaTimestamp(filter.changedBefore) : undefined;
  const version = before ? CHANGES_BEFORE_MICROVERSION : SERVERS_MICROVERSION;
  const said = [
    filter.host && `host ${filter.host}`,
    before && `changed before ${before}`,
    filter.name && `name ${filter.name}`,
    filter.status && `status ${filter.status}`,
  ].filter(Boolean);
  return {
    kind: 'api',
    service: 'compute',
    method: 'GET',
    path: `/servers/detail${query({ all_tenants: '1', host: filter.host, 'changes-before': before, name: filter.name, status: filter.status })}`,
    paginate: { collection: 'servers', pageSize },
    ...atMicroversion(version),
    parse: parseServers,
    summary: `list servers${said.length ? ` (${said.join(', ')})` : ''}`,
    mutating: false,
    target: filter.host ? { host: filter.host } : {},
    command: posixCommand([
      'openstack',
      ...(version ? ['--os-compute-api-version', version] : []),
      'server', 'list', '--all-projects', '--long',
      ...(filter.host ? ['--host', filter.host] : []),
      ...(before ? ['--changes-before', before] : []),
      ...(filter.name ? ['--name', filter.name] : []),
      ...(filter.status ? ['--status', filter.status] : []),
    ]),
  };
}

/** GET /servers/{id}; a 404 fails the read (the server must exist). */
export function showServer(id: string): ReadApi<Server> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'GET',
    path: serverPath(id),
    ...atMicroversion(SERVERS_MICROVERSION),
    parse: parseServer,
    summary: `show server ${id}`,
    mutating: false,
    target: { instance: id },
    command: posixCommand(['openstack', 'server', 'show', id]),
  };
}

/** GET /servers/{id} for its state; 404 answers null (the instance is gone: deleted, or never existed). */
export function findServer(id: string): ReadApi<Server | null> {
  return {
    ...showServer(id),
    okStatus: [200, 404],
    parse: parseServerOrGone,
    summary: `show state of server ${id}`,
    command: posixCommand(['openstack', 'server', 'show', id, '-c', 'OS-EXT-STS:vm_state', '-c', 'OS-EXT-STS:task_state', '-c', 'updated']),
  };
}

function serverAction(id: string): string {
  return `${serverPath(id)}/action`;
}

export function rebootServer(id: string, type: 'HARD' | 'SOFT' = 'HARD'): ApiOperation<void> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'POST',
    path: serverAction(id),
    body: { reboot: { type } },
    ...atMicroversion(SERVERS_MICROVERSION),
    okStatus: [202],
    parse: () => undefined,
    summary: `${type === 'HARD' ? 'hard' : 'soft'}-reboot server ${id}`,
    mutating: true,
    target: { instance: id },
    command: posixCommand(['openstack', 'server', 'reboot', type === 'HARD' ? '--hard' : '--soft', id]),
  };
}

/** POST /servers/{id}/action {"os-resetState": {"state": ...}}: vm_state as asked, task_state cleared. */
export function resetServerState(id: string, state: ResetTarget): ApiOperation<void> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'POST',
    path: serverAction(id),
    body: { 'os-resetState': { state } },
    ...atMicroversion(SERVERS_MICROVERSION),
    okStatus: [202],
    parse: () => undefined,
    summary: `reset the state of server ${id} to ${state}`,
    mutating: true,
    target: { instance: id },
    command: posixCommand(['openstack', 'server', 'set', '--state', state, id]),
  };
}

/**
 * Rebuilds the instance on `targetHost` from what Nova knows of it: its volumes are re-attached
 * there; an image-backed instance whose disk is not on shared storage is rebuilt from its image
 * (its root disk is lost). Refused with 400 while the source host's nova-compute is up.
 */
export function evacuateServer(server: { id: string; name?: string; host: string }, targetHost: string, microversion: EvacuateMicroversion): ApiOperation<void> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'POST',
    path: serverAction(server.id),
    body: { evacuate: { host: targetHost } },
    microversion,
    okStatus: [200],
    // The answer may carry an adminPass: it is never kept.
    parse: () => undefined,
    summary: `evacuate ${server.name ? `${server.name} (${server.id})` : server.id} from ${server.host} to ${targetHost}`,
    mutating: true,
    target: { instance: server.id, host: server.host },
    command: posixCommand(['openstack', '--os-compute-api-version', microversion, 'server', 'evacuate', '--host', targetHost, server.id]),
  };
}

/** POST /servers/{id}/action {"os-start": null}: a stopped (SHUTOFF) instance is powered on; 409 in any other state. */
export function startServer(id: string, name?: string): ApiOperation<void> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'POST',
    path: serverAction(id),
    body: { 'os-start': null },
    ...atMicroversion(SERVERS_MICROVERSION),
    okStatus: [202],
    parse: () => undefined,
    summary: `start server ${name ? `${name} (${id})` : id}`,
    mutating: true,
    target: { instance: id },
    command: posixCommand(['openstack', 'server', 'start', id]),
  };
}

/**
 * DELETE /servers/{id}. A 404 counts as done: the instance is already gone, which is what was
 * asked (the settle step reads that back).
 */
export function deleteServer(id: string): ApiOperation<'accepted' | 'gone'> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'DELETE',
    path: serverPath(id),
    ...atMicroversion(SERVERS_MICROVERSION),
    okStatus: [204, 404],
    parse: (body) => (body && typeof body === 'object' && 'itemNotFound' in body ? 'gone' : 'accepted'),
    summary: `delete server ${id}`,
    mutating: true,
    target: { instance: id },
    command: posixCommand(['openstack', 'server', 'delete', id]),
  };
}

/** Nova's date-time query values: ISO 8601 in UTC, whole seconds. */
export function novaTimestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
