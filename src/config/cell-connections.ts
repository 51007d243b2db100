// Where each cell's database is, from nova_api.cell_mappings. Nova stores either a full URL or a
// template whose {username}, {password}, {hostname}, {port}, {scheme}, {path}, {query} and
// {fragment} it fills from the reading host's own [database] connection
// (nova/objects/cell_mapping.py); novaops fills it the same way, from databases.nova.
import type { DbConnection } from './types.js';
import { ConfigError } from './errors.js';
import { parseDbUrl } from './db-connection.js';

export const CELL0_UUID = '00000000-0000-0000-0000-000000000000';

export interface CellMappingRow {
  uuid: string;
  name: string | null;
  databaseConnection: string | null;
}

/** A cell as novaops addresses it: its name (its uuid where it has none) and its database. */
export interface CellConnection {
  uuid: string;
  name: string;
  cell0: boolean;
  connection: DbConnection;
}

const TEMPLATE_KEYS = ['username', 'password', 'hostname', 'port', 'scheme', 'path', 'query', 'fragment'] as const;

/** The template's fields as Python's urlparse gives them: still percent-encoded, '' where absent. */
function templateFields(url: string): Record<(typeof TEMPLATE_KEYS)[number], string> {
  const u = new URL(url);
  return {
    username: u.username,
    password: u.password,
    hostname: u.hostname,
    port: u.port,
    scheme: u.protocol.replace(/:$/, ''),
    path: u.pathname.replace(/^\//, ''),
    query: u.search.replace(/^\?/, ''),
    fragment: u.hash.replace(/^#/, ''),
  };
}

function fillTemplate(template: string, apiHost: DbConnection | undefined, cell: string): string {
  if (!template.includes('{')) return template;
  if (!apiHost?.url) {
    throw new ConfigError(
      `cell ${cell}: its database_connection is a template, and no [database] connection URL is known to fill it`,
      `give the cell's database in the novaops config: databases.cells.${cell}.url`,
    );
  }
  const fields = templateFields(apiHost.url);
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    if (!(TEMPLATE_KEYS as readonly string[]).includes(key)) {
      throw new ConfigError(
        `cell ${cell}: its database_connection template has an unknown field {${key}}`,
        `Nova fills only ${TEMPLATE_KEYS.map((k) => `{${k}}`).join(', ')}; give the cell's database in databases.cells.${cell}.url`,
      );
    }
    return fields[key as (typeof TEMPLATE_KEYS)[number]] ?? whole;
  });
}

/**
 * Each mapped cell's connection: the operator's databases.cells entry where there is one (the
 * mapping may name an address only the control plane reaches), else the mapping's own URL.
 */
export function cellConnections(
  rows: readonly CellMappingRow[],
  apiHost: DbConnection | undefined,
  overrides: Record<string, DbConnection> = {},
): CellConnection[] {
  return rows.map((row) => {
    const cell0 = row.uuid === CELL0_UUID;
    const name = row.name && row.name.trim() !== '' ? row.name : cell0 ? 'cell0' : row.uuid;
    const source = `nova_api.cell_mappings (cell ${name}) database_connection`;
    const override = overrides[name] ?? overrides[row.uuid];
    if (override) return { uuid: row.uuid, name, cell0, connection: override };
    if (!row.databaseConnection) {
      throw new ConfigError(`cell ${name} has no database_connection in nova_api.cell_mappings`, `give its database in the novaops config: databases.cells.${name}.url`);
    }
    return { uuid: row.uuid, name, cell0, connection: parseDbUrl(fillTemplate(row.databaseConnection, apiHost, name), source) };
  });
}
