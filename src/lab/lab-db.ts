// The lab's own DB access (simulator, scenarios, status): the lab user's credentials come from
// nova.conf exactly as novaops reads them, and one pool serves every schema by qualified names.
// Nova's tables are reached through a cell, never a default one: by name where the lab writes a
// cell it chose (scenarios), and through nova_api's mappings where Nova itself would look one up
// (an instance by instance_mappings, a host by host_mappings, lists over cell_mappings).
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { readServiceConnectionUrl } from './conf-files.js';
import { cellSchemas, type CellName, type CellSchemas } from './cells.js';
import { q } from './db-provision.js';
import { formatCellUrl, parseDbUrl, type DbServer } from './db-url.js';
import type { LabInfo } from './types.js';

/** One cell's database: qualified table names, e.g. cell.nova('instances') -> `nl_x_nova_cell2`.`instances`. */
export interface CellDb {
  name: string;
  schema: string;
  nova(table: string): string;
}

/** A cell_mappings row with its database reached (a template formatted as Nova formats it). */
export interface MappedCell extends CellDb {
  id: number;
  uuid: string;
  disabled: boolean;
}

export interface LabDb {
  pool: mysql.Pool;
  /** nova.conf's [database] connection as written (templates in cell mappings are formatted from it). */
  connection: string;
  server: DbServer;
  schemas: CellSchemas;
  /** A cell by name, for code that decides where rows go. */
  cell(name: CellName): CellDb;
  /** nova_api's tables. */
  api(table: string): string;
  /** cell_mappings in id order (cell0 first). */
  mappedCells(): Promise<MappedCell[]>;
  /** The cell instance_mappings names for an instance; undefined when it has no mapping. */
  cellOfInstance(uuid: string): Promise<MappedCell | undefined>;
  /** The cell host_mappings names for a compute host; undefined when the host is not mapped. */
  cellOfHost(host: string): Promise<MappedCell | undefined>;
  cinder(table: string): string;
  placement(table: string): string;
  close(): Promise<void>;
}

export function placementSchema(info: LabInfo): string {
  const s = info.db.schemas.placement;
  if (!s) throw new Error(`the lab in ${info.dir} predates Placement: novaops lab down --wipe, then novaops lab up`);
  return s;
}

const CELL_COLUMNS = 'c.id, c.uuid, c.name, c.database_connection, c.disabled';

export async function openLabDb(info: LabInfo, connectionLimit = 20): Promise<LabDb> {
  const schemas = cellSchemas(info);
  const connection = await readServiceConnectionUrl(info.novaConf);
  const server = parseDbUrl(connection);
  const pool = mysql.createPool({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    connectionLimit,
    // DATETIME columns hold UTC, as nova and cinder store them.
    timezone: 'Z',
    dateStrings: false,
    supportBigNumbers: true,
  });
  const cellSchemaSet = new Set([schemas.cell0, schemas.cell1, schemas.cell2]);
  const cellDb = (name: string, schema: string): CellDb => ({ name, schema, nova: (t) => `${q(schema)}.${q(t)}` });
  const api = (t: string) => `${q(schemas.api)}.${q(t)}`;
  const mapped = (r: RowDataPacket): MappedCell => {
    const url = formatCellUrl(String(r.database_connection ?? ''), connection);
    const schema = parseDbUrl(url).database;
    // The lab user may reach other schemas of a shared server; a mapping never sends it there.
    if (!schema || !cellSchemaSet.has(schema)) throw new Error(`cell mapping ${r.name} names database ${schema ?? '(none)'}, not one of this lab's cells`);
    return { ...cellDb(String(r.name), schema), id: Number(r.id), uuid: String(r.uuid), disabled: Boolean(r.disabled) };
  };
  const one = async (sql: string, params: unknown[]) => {
    const [rows] = await pool.query<RowDataPacket[]>(sql, params);
    return rows[0] ? mapped(rows[0]) : undefined;
  };
  return {
    pool,
    connection,
    server,
    schemas,
    cell: (name) => cellDb(name, schemas[name]),
    api,
    mappedCells: async () => {
      const [rows] = await pool.query<RowDataPacket[]>(`SELECT ${CELL_COLUMNS} FROM ${api('cell_mappings')} c ORDER BY c.id`);
      return rows.map(mapped);
    },
    cellOfInstance: (uuid) =>
      one(`SELECT ${CELL_COLUMNS} FROM ${api('instance_mappings')} m JOIN ${api('cell_mappings')} c ON c.id = m.cell_id WHERE m.instance_uuid = ?`, [uuid]),
    cellOfHost: (host) => one(`SELECT ${CELL_COLUMNS} FROM ${api('host_mappings')} m JOIN ${api('cell_mappings')} c ON c.id = m.cell_id WHERE m.host = ?`, [host]),
    cinder: (t) => `${q(info.db.schemas.cinder)}.${q(t)}`,
    placement: (t) => `${q(placementSchema(info))}.${q(t)}`,
    close: () => pool.end(),
  };
}

