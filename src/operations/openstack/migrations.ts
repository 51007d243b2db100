// Nova's migrations (GET /os-migrations): the records Nova keeps of a move. failed-node reads the
// evacuations of one instance — what a resume reads to decide whether an unacknowledged evacuate
// reached Nova, instead of sending it a second time.
import { z } from 'zod';
import { posixCommand } from '../posix-quote.js';
import { fail, nullableString, query, type ReadApi } from './request.js';

/** 2.59: migrations carry their uuid and can be filtered by instance. */
export const MIGRATIONS_MICROVERSION = '2.59';

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

/** The evacuations Nova recorded for one instance (newest first). */
export function listEvacuations(instanceUuid: string): ReadApi<Migration[]> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'GET',
    path: `/os-migrations${query({ instance_uuid: instanceUuid, migration_type: 'evacuation' })}`,
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
