// Database credentials come from the service's own config ([database] connection in nova.conf /
// cinder.conf, an SQLAlchemy URL) unless the novaops config gives a URL. Passwords never reach
// an error message: we report the file, the scheme, the host — never the URL itself.
import { readFile } from 'node:fs/promises';
import type { DbConnection } from './types.js';
import { ConfigError } from './errors.js';

const mysqlSchemes = new Set(['mysql', 'mysql+pymysql', 'mysql+mysqldb', 'mariadb', 'mariadb+pymysql', 'mysql+mysqlconnector']);

/** Parses an SQLAlchemy MySQL URL (`mysql+pymysql://user:pw@host:port/db?charset=utf8`). */
export function parseDbUrl(url: string, source: string): DbConnection {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (!scheme) {
    throw new ConfigError(
      `${source}: the database connection is not a URL`,
      'expected mysql+pymysql://USER:PASSWORD@HOST[:PORT]/DATABASE',
    );
  }
  if (!mysqlSchemes.has(scheme)) {
    throw new ConfigError(
      `${source}: database scheme '${scheme}' is not supported; novaops supports MySQL/MariaDB only`,
      'point novaops at a MySQL or MariaDB database (mysql+pymysql://...), e.g. with `databases:` in the novaops config',
    );
  }
  let parsed: URL;
  try {
    // WHATWG URL keeps userinfo percent-encoded, which is what SQLAlchemy expects in the file.
    parsed = new URL(url);
  } catch {
    throw new ConfigError(
      `${source}: the ${scheme} connection URL cannot be parsed`,
      'special characters in the password must be URL-encoded (e.g. @ as %40, / as %2F)',
    );
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const decode = (part: string, what: string): string => decodeUrlPart(part, what, scheme, source);
  const database = decode(parsed.pathname.replace(/^\//, ''), 'database name');
  if (!host) {
    throw new ConfigError(
      `${source}: the ${scheme} connection URL names no host (unix sockets are not supported)`,
      'give a TCP host, e.g. mysql+pymysql://nova:PASSWORD@127.0.0.1:3306/nova, in the novaops config',
    );
  }
  if (!database || database.includes('/')) {
    throw new ConfigError(`${source}: the ${scheme} connection URL names no database`, 'the URL must end with /DATABASE_NAME');
  }
  if (!parsed.username) {
    throw new ConfigError(`${source}: the ${scheme} connection URL names no user`, 'the URL must be SCHEME://USER:PASSWORD@HOST/DB');
  }
  return {
    host,
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decode(parsed.username, 'user'),
    password: decode(parsed.password, 'password'),
    database,
    source,
    url,
  };
}

/**
 * decodeURIComponent, but a malformed escape (`p%zzw`, a lone `%`) is the operator's to fix, not a
 * bare "URI malformed": the message names where the URL came from and which part, never the URL.
 */
function decodeUrlPart(part: string, what: string, scheme: string, source: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ConfigError(
      `${source}: the ${what} in the ${scheme} connection URL has malformed percent-encoding (a % not followed by two hex digits)`,
      'special characters in the user, password and database name must be percent-encoded: % as %25, @ as %40, / as %2F, # as %23, ? as %3F',
    );
  }
}

/**
 * Reads `[database] connection` from an oslo.config file such as /etc/nova/nova.conf.
 * `origin` says why that file, e.g. "the default for databases.nova: no novaops config file found".
 */
export async function readDbFromConf(confPath: string, origin?: string): Promise<DbConnection> {
  const connection = readOsloOption(await readConf(confPath, origin), 'database', 'connection');
  if (connection === undefined || connection === '') {
    throw new ConfigError(
      `${confPath}: no [database] connection setting`,
      'set [database] connection in that file, or give the database URL in the novaops config (databases.*.url)',
    );
  }
  return parseDbUrl(connection, `${confPath} [database] connection`);
}

/**
 * `[api_database] connection` of a nova.conf: where the cell mappings are. Absent on a compute
 * host's or a cell conductor's file, which is not an error: novaops then knows one cell.
 */
export async function readApiDbFromConf(confPath: string, origin?: string): Promise<DbConnection | undefined> {
  const connection = readOsloOption(await readConf(confPath, origin), 'api_database', 'connection');
  if (connection === undefined || connection === '') return undefined;
  return parseDbUrl(connection, `${confPath} [api_database] connection`);
}

async function readConf(confPath: string, origin?: string): Promise<string> {
  try {
    return await readFile(confPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    const why = { ENOENT: 'it does not exist', EISDIR: 'it is a directory', EACCES: 'permission denied', ENOTDIR: 'a parent of it is not a directory' }[code] ?? code;
    throw new ConfigError(
      `cannot read ${confPath}${origin ? ` (${origin})` : ''}: ${why} (${code})`,
      code === 'EACCES'
        ? `run novaops as a user that can read ${confPath}, or give the database URL in the novaops config (databases.*.url)`
        : `give the right path (databases.*.conf) or the database URL (databases.*.url) in the novaops config`,
    );
  }
}

/**
 * One option from an oslo.config (INI-style) file. Not the `ini` package: it cuts values at an
 * inline `;` or `#`, which oslo.config does not, and a password may contain either.
 * Comments are whole lines starting with `#` or `;`; the last occurrence of an option wins.
 */
export function readOsloOption(text: string, section: string, key: string): string | undefined {
  let current = '';
  let value: string | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      current = header[1].trim().toLowerCase();
      continue;
    }
    if (current !== section.toLowerCase()) continue;
    const m = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(line);
    if (m && m[1] === key) value = m[2].trim();
  }
  return value;
}
