// nova_api's rows as Nova writes them: cell_mappings by `nova-manage cell_v2 map_cell0` and
// `create_cell` (cell0 with the fixed uuid and transport none:///, a cell per database), host_mappings
// by `discover_hosts` (every compute host), instance_mappings by the API when it accepts a server.
// cell2's database_connection is written as a template, as operators do to keep credentials out of
// nova_api: whoever reads it formats it from their own [database] connection.
import { cellUuid, type CellCount, type CellName, type CellSchemas } from './cells.js';
import { cellDbUrl, type DbServer } from './db-url.js';
import { q } from './db-provision.js';
import type { LabDb } from './lab-db.js';
import { bulkInsert } from './scenarios/bulk-insert.js';

interface Queryable {
  query(sql: string, params?: unknown): Promise<unknown>;
}

/** `server`: where the cell databases are (the lab's MariaDB) and the lab user that reaches them. */
export async function writeCellMappings(sql: Queryable, schemas: CellSchemas, server: Required<Omit<DbServer, 'database'>>, cells: CellCount): Promise<void> {
  const url = (schema: string) => cellDbUrl({ ...server, database: schema });
  const rabbit = (vhost: string) => `rabbit://nova:${encodeURIComponent(server.password)}@127.0.0.1:5672/${vhost}`;
  const rows: [number, CellName, string, string][] = [
    [1, 'cell0', 'none:///', url(schemas.cell0)],
    [2, 'cell1', rabbit('nova_cell1'), url(schemas.cell1)],
  ];
  if (cells === 2) rows.push([3, 'cell2', rabbit('nova_cell2'), `{scheme}://{username}:{password}@{hostname}:{port}/${schemas.cell2}`]);
  await sql.query(
    `INSERT INTO ${q(schemas.api)}.cell_mappings (id, created_at, uuid, name, transport_url, database_connection, disabled) VALUES ?`,
    [rows.map(([id, name, transport, db]) => [id, new Date(), cellUuid(name, schemas[name]), name, transport, db, 0])],
  );
}

/** host_mappings for every compute host, and instance_mappings for every instance, each to its host's cell. */
export async function writeHostAndInstanceMappings(
  db: LabDb,
  cellOf: Map<string, CellName>,
  instances: { uuid: string; host: string; projectId: string; userId: string; createdAt: Date }[],
): Promise<void> {
  const ids = new Map((await db.mappedCells()).map((c) => [c.name, c.id]));
  const idOf = (host: string) => {
    const id = ids.get(cellOf.get(host) ?? '');
    if (id === undefined) throw new Error(`host ${host} is in no mapped cell`);
    return id;
  };
  const created = new Date(Date.UTC(2025, 0, 6));
  await bulkInsert(db.pool, db.api('host_mappings'), [...cellOf.keys()].map((host) => ({ created_at: created, cell_id: idOf(host), host })));
  await bulkInsert(
    db.pool,
    db.api('instance_mappings'),
    instances.map((i) => ({ created_at: i.createdAt, instance_uuid: i.uuid, cell_id: idOf(i.host), project_id: i.projectId, queued_for_delete: 0, user_id: i.userId })),
  );
}
