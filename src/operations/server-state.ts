// The state of a server as reset-state reads it (vm_state, task_state and when the instance record
// last changed), the reset itself (os-resetState) and the delete, as values. Facts from a real Zed
// cloud (shared/realstack), which these builders are shaped by:
// - os-resetState answers 202 with an empty body, and the change is already made when it answers:
//   vm_state is the one asked for, task_state NULL, updated_at now; Nova records an instance
//   action "resetState". Only "active" and "error" are accepted (400 otherwise); admin only (403).
// - DELETE answers 204. On an instance whose task_state is already "deleting" it does nothing at
//   all (the API logs "Instance is already in deleting state, ignoring this request"; only
//   updated_at moves): that is why the guide resets the state before it deletes.
// - A deleted instance answers 404 to GET, DELETE and os-resetState.
// - GET /servers/detail?changes-before=T is honoured from microversion 2.66 (silently ignored
//   before), and then lists DELETED instances too; task_state as a filter is admin-only and is
//   silently ignored for other users. Neither is trusted alone: the answer is filtered again here.
import type { ApiOperation } from './types.js';
import { posixCommand } from './posix-quote.js';
import { parseServer, parseServers, type Server } from './openstack/servers.js';

/** 2.66: GET /servers(/detail) takes changes-before. */
export const CHANGES_BEFORE_MICROVERSION = '2.66';

export type ResetTarget = 'error' | 'active';

/** A server as reset-state reads it: vm_state, task_state, when it last changed — all in Server. */
export type ServerState = Server;

type ReadApi<T> = ApiOperation<T> & { mutating: false };
const seg = encodeURIComponent;
export const parseServerState = parseServer;
export const parseServerStates = parseServers;

/** A 404 is an answer here, not a failure: `null` means Nova no longer has the instance. */
export function parseServerStateOrGone(body: unknown): ServerState | null {
  if (body && typeof body === 'object' && 'itemNotFound' in body) return null;
  return parseServerState(body);
}

/** GET /servers/{id}; 404 answers null (the instance is gone: deleted, or never existed). */
export function findServerState(id: string): ReadApi<ServerState | null> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'GET',
    path: `/servers/${seg(id)}`,
    okStatus: [200, 404],
    parse: parseServerStateOrGone,
    summary: `show state of server ${id}`,
    mutating: false,
    target: { instance: id },
    command: posixCommand(['openstack', 'server', 'show', id, '-c', 'OS-EXT-STS:vm_state', '-c', 'OS-EXT-STS:task_state', '-c', 'updated']),
  };
}

/**
 * Every server of every project, optionally only those whose record last changed at or before
 * `changedBefore` (microversion 2.66; DELETED ones included, as Nova does), or with `name` (a
 * regular expression, as Nova filters names).
 */
export function listServerStates(opts: { changedBefore?: Date; name?: string } = {}): ReadApi<ServerState[]> {
  const q = new URLSearchParams({ all_tenants: '1' });
  const before = opts.changedBefore ? novaTimestamp(opts.changedBefore) : undefined;
  if (before) q.set('changes-before', before);
  if (opts.name) q.set('name', opts.name);
  const filters = [before && `changed before ${before}`, opts.name && `name ${opts.name}`].filter(Boolean);
  return {
    kind: 'api',
    service: 'compute',
    method: 'GET',
    path: `/servers/detail?${q.toString()}`,
    paginate: { collection: 'servers', pageSize: 500 },
    ...(before ? { microversion: CHANGES_BEFORE_MICROVERSION } : {}),
    parse: parseServerStates,
    summary: `list servers of all projects${filters.length ? ` (${filters.join(', ')})` : ''}`,
    mutating: false,
    target: {},
    command: posixCommand([
      'openstack',
      ...(before ? ['--os-compute-api-version', CHANGES_BEFORE_MICROVERSION] : []),
      'server', 'list', '--all-projects', '--long',
      ...(before ? ['--changes-before', before] : []),
      ...(opts.name ? ['--name', opts.name] : []),
    ]),
  };
}

/** POST /servers/{id}/action {"os-resetState": {"state": ...}}: vm_state as asked, task_state cleared. */
export function resetServerState(id: string, state: ResetTarget): ApiOperation<void> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'POST',
    path: `/servers/${seg(id)}/action`,
    body: { 'os-resetState': { state } },
    okStatus: [202],
    parse: () => undefined,
    summary: `reset the state of server ${id} to ${state}`,
    mutating: true,
    target: { instance: id },
    command: posixCommand(['openstack', 'server', 'set', '--state', state, id]),
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
    path: `/servers/${seg(id)}`,
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
