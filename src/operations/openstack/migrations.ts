// Evacuation as failed-node uses it: the servers of a host with what a move needs to know (node,
// image or volume boot, metadata, fault), the evacuate action, and the records Nova keeps of it
// (os-migrations of type evacuation, the instance action "evacuate") — what a resume reads to
// decide whether an unacknowledged evacuate reached Nova, instead of sending it a second time.
import { z } from 'zod';
import type { ApiOperation } from '../types.js';
import { posixCommand } from '../posix-quote.js';
import { parseServer, parseServers, type Server } from './servers.js';

/**
 * 2.29: `host` is checked by the scheduler (no `force`), and since 2.14 there is no
 * onSharedStorage: Nova finds out itself whether the instance's disk is on shared storage.
 */
export const EVACUATE_MICROVERSION = '2.29';
/** 2.59: migrations carry their uuid and can be filtered by instance. */
export const MIGRATIONS_MICROVERSION = '2.59';

/** A server as failed-node reads it: node, image or volume boot, metadata, fault — all in Server. */
export type HostServer = Server;

export interface Migration {
  id: string;
  uuid: string | null;
  instanceUuid: string;
  status: string;
  migrationType: string | null;
  sourceCompute: string | null;
  destCompute: string | null;
  createdAt: string | null;
}

type ReadApi<T> = ApiOperation<T> & { mutating: false };
const seg = encodeURIComponent;
const nullableString = z.string().nullish().transform((v) => v ?? null);

function fail(what: string, error: z.ZodError): never {
  const issue = error.issues[0];
  throw new Error(`${what}: ${issue ? `${issue.path.map(String).join('.') || 'top'}: ${issue.message}` : 'unexpected shape'}`);
}

export const parseHostServers = parseServers;
export const parseHostServer = parseServer;

const migrationJson = z.object({
  id: z.union([z.string(), z.number()]),
  uuid: nullableString,
  instance_uuid: z.string(),
  status: z.string(),
  migration_type: nullableString,
  source_compute: nullableString,
  dest_compute: nullableString,
  created_at: nullableString,
});

export function parseMigrations(body: unknown): Migration[] {
  const parsed = z.object({ migrations: z.array(migrationJson) }).safeParse(body);
  if (!parsed.success) fail('migrations', parsed.error);
  return parsed.data.migrations.map((m) => ({
    id: String(m.id),
    uuid: m.uuid,
    instanceUuid: m.instance_uuid,
    status: m.status,
    migrationType: m.migration_type,
    sourceCompute: m.source_compute,
    destCompute: m.dest_compute,
    createdAt: m.created_at,
  }));
}

/** Every server Nova places on `host`, all projects (admin), with node, image, metadata and fault. */
export function listHostServers(host: string): ReadApi<HostServer[]> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'GET',
    path: `/servers/detail?${new URLSearchParams({ all_tenants: '1', host }).toString()}`,
    paginate: { collection: 'servers', pageSize: 500 },
    parse: parseHostServers,
    summary: `list the servers on host ${host}`,
    mutating: false,
    target: { host },
    command: posixCommand(['openstack', 'server', 'list', '--all-projects', '--long', '--host', host]),
  };
}

export function showHostServer(id: string): ReadApi<HostServer> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'GET',
    path: `/servers/${seg(id)}`,
    parse: parseHostServer,
    summary: `show server ${id}`,
    mutating: false,
    target: { instance: id },
    command: posixCommand(['openstack', 'server', 'show', id]),
  };
}

/**
 * Rebuilds the instance on `targetHost` from what Nova knows of it: its volumes are re-attached
 * there; an image-backed instance whose disk is not on shared storage is rebuilt from its image
 * (its root disk is lost). Refused with 400 while the source host's nova-compute is up.
 */
export function evacuateServer(server: { id: string; name?: string; host: string }, targetHost: string): ApiOperation<void> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'POST',
    path: `/servers/${seg(server.id)}/action`,
    body: { evacuate: { host: targetHost } },
    microversion: EVACUATE_MICROVERSION,
    okStatus: [200],
    // The answer may carry an adminPass: it is never kept.
    parse: () => undefined,
    summary: `evacuate ${server.name ? `${server.name} (${server.id})` : server.id} from ${server.host} to ${targetHost}`,
    mutating: true,
    target: { instance: server.id, host: server.host },
    command: posixCommand(['openstack', '--os-compute-api-version', EVACUATE_MICROVERSION, 'server', 'evacuate', '--host', targetHost, server.id]),
  };
}

/** The evacuations Nova recorded for one instance (newest first). */
export function listEvacuations(instanceUuid: string): ReadApi<Migration[]> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'GET',
    path: `/os-migrations?${new URLSearchParams({ instance_uuid: instanceUuid, migration_type: 'evacuation' }).toString()}`,
    microversion: MIGRATIONS_MICROVERSION,
    parse: parseMigrations,
    summary: `list the evacuations of server ${instanceUuid}`,
    mutating: false,
    target: { instance: instanceUuid },
    command: posixCommand(['openstack', '--os-compute-api-version', MIGRATIONS_MICROVERSION, 'server', 'migration', 'list', '--server', instanceUuid, '--type', 'evacuation']),
  };
}

/** Statuses of an evacuation Nova gave up on: 'error' (the conductor found no valid host), 'failed' (the destination failed it). */
export const EVACUATION_FAILED = new Set(['failed', 'error']);
