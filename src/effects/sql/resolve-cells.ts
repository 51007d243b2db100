// At connect time: the cells nova_api maps, each cell's database joined to the session and asked
// whether it answers. A cell that does not answer is recorded, not thrown: drp refuses to map half
// a cloud, while a runbook scoped to another cell may go on (runbooks/lib/cells.ts decides).
import { cellConnections, type CellMappingRow } from '../../config/cell-connections.js';
import type { NovaopsConfig } from '../../config/types.js';
import { cellDbName, singleCell, type CellDirectory } from '../../operations/cells.js';
import type { SqlEffect } from '../types.js';

function where(c: { database: string; host: string; port: number }): string {
  return `${c.database} at ${c.host}:${c.port}`;
}

/** The directory, and the cells' passwords (the mappings may hold ones the config does not) for redaction. */
export async function resolveCells(databases: NovaopsConfig['databases'], sql: SqlEffect): Promise<{ directory: CellDirectory; secrets: string[] }> {
  if (!databases.novaApi) return { directory: singleCell(where(databases.nova)), secrets: [] };
  const rows = await sql.select('nova_api', 'SELECT uuid, name, database_connection FROM cell_mappings ORDER BY id', []);
  const mappings: CellMappingRow[] = rows.map((r) => ({
    uuid: String(r.uuid),
    name: r.name === null || r.name === undefined ? null : String(r.name),
    databaseConnection: r.database_connection === null || r.database_connection === undefined ? null : String(r.database_connection),
  }));
  const connections = cellConnections(mappings, databases.nova, databases.cells);
  const directory: CellDirectory = { mapped: true, cells: [], unreachable: {} };
  for (const c of connections) {
    const db = cellDbName(c.name);
    sql.register(db, c.connection);
    directory.cells.push({ name: c.name, uuid: c.uuid, db, cell0: c.cell0, where: where(c.connection) });
  }
  await Promise.all(
    directory.cells.map(async (cell) => {
      try {
        await sql.select(cell.db, 'SELECT 1', []);
      } catch (error) {
        directory.unreachable[cell.name] = (error as Error).message;
      }
    }),
  );
  return { directory, secrets: connections.map((c) => c.connection.password).filter((p) => p !== '') };
}
