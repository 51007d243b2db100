// Creates (and removes) the lab's schemas and its own DB user. The lab user only gets grants on
// its schemas, like a real service account; the password is real so redaction can be tested.
import mysql from 'mysql2/promise';
import type { DbServer } from './db-url.js';
import { schemaTables, type SchemaKey } from './schema/index.js';
import { STANDARD_RESOURCE_CLASSES } from './schema/placement.js';
import type { LabFlavour } from './types.js';

export async function adminConnection(server: DbServer): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    multipleStatements: false,
  });
}

/** Hosts a loopback TCP client shows up as, with or without name resolution. */
const USER_HOSTS = ['127.0.0.1', 'localhost'];

export interface ProvisionSpec {
  /** nova is cell1's database; novaCell0, novaCell2 and novaApi come with cells v2. */
  schemas: Record<SchemaKey, string>;
  user: string;
  password: string;
  flavour: LabFlavour;
}

export async function provisionDatabases(admin: mysql.Connection, spec: ProvisionSpec): Promise<void> {
  const tables = schemaTables(spec.flavour);
  for (const [key, schema] of Object.entries(spec.schemas) as [SchemaKey, string][]) {
    await admin.query(`CREATE DATABASE ${q(schema)} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
    for (const ddl of tables[key]) await admin.query(`CREATE TABLE ${q(schema)}.${ddl.slice('CREATE TABLE '.length)}`);
  }
  await seedResourceClasses(admin, spec.schemas.placement);
  for (const host of USER_HOSTS) {
    await admin.query(`CREATE USER ?@? IDENTIFIED BY ?`, [spec.user, host, spec.password]);
    for (const schema of Object.values(spec.schemas)) {
      await admin.query(`GRANT ALL PRIVILEGES ON ${q(schema)}.* TO ?@?`, [spec.user, host]);
    }
  }
}

export async function dropDatabases(admin: mysql.Connection, schemas: string[], user: string | undefined): Promise<void> {
  for (const s of schemas) await admin.query(`DROP DATABASE IF EXISTS ${q(s)}`);
  if (user) for (const host of USER_HOSTS) await admin.query(`DROP USER IF EXISTS ?@?`, [user, host]);
}

/**
 * Placement writes the standard resource classes into resource_classes when it starts (VCPU is
 * id 0, MEMORY_MB 1, DISK_GB 2, ...); allocations and inventories refer to them by id.
 */
export async function seedResourceClasses(conn: mysql.Connection | mysql.PoolConnection, schema: string): Promise<void> {
  // Id 0 needs NO_AUTO_VALUE_ON_ZERO, or MariaDB would hand out the next auto-increment value.
  const [[mode]] = (await conn.query('SELECT @@SESSION.sql_mode AS m')) as unknown as [{ m: string }[]];
  await conn.query(`SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_AUTO_VALUE_ON_ZERO')`);
  try {
    const rows = STANDARD_RESOURCE_CLASSES.map((name, id) => `(${id}, ${mysql.escape(name)}, UTC_TIMESTAMP())`).join(', ');
    await conn.query(
      `INSERT INTO ${q(schema)}.resource_classes (id, name, created_at) VALUES ${rows} ON DUPLICATE KEY UPDATE name = VALUES(name)`,
    );
  } finally {
    await conn.query('SET SESSION sql_mode = ?', [mode.m]);
  }
}

/** Identifiers cannot be parameters; schema names are generated, but quote them anyway. */
export function q(identifier: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(identifier)) throw new Error(`bad identifier ${identifier}`);
  return `\`${identifier}\``;
}
