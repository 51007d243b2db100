// Database failures worded for an operator: which database, where its credentials came from,
// what to do. The password is scrubbed from anything the driver said, just in case.
import { ExitCode, NovaopsError } from '../../errors.js';
import type { DbConnection } from '../../config/types.js';

/** A database failure: bad input when it is the connection or the credentials (exit 2). */
export class SqlError extends NovaopsError {
  declare readonly hint: string;
  constructor(
    message: string,
    hint: string,
    /** The driver's error code (ECONNREFUSED, ER_ACCESS_DENIED_ERROR, ER_PARSE_ERROR, ...). */
    readonly code?: string,
    /** A COMMIT whose outcome is unknown: never re-run, resolved by reading. */
    readonly answerLost = false,
  ) {
    super(message, hint, ExitCode.usage);
  }
}

const connectionCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'PROTOCOL_CONNECTION_LOST']);

export function toSqlError(err: unknown, db: string, conn: DbConnection): SqlError {
  if (err instanceof SqlError) return err;
  const e = err as { code?: string; message?: string; sqlMessage?: string };
  // mysql2 says a connection the server closed (KILL, wait_timeout) is "in closed state", without a code.
  const code = e.code ?? (/connection is in closed state/.test(e.message ?? '') ? 'PROTOCOL_CONNECTION_LOST' : 'UNKNOWN');
  const where = `${conn.host}:${conn.port}`;
  const scrub = (s: string) => (conn.password ? s.split(conn.password).join('***') : s);
  if (connectionCodes.has(code)) {
    return new SqlError(
      `cannot reach the ${db} database at ${where} (from ${conn.source}): ${code}`,
      `check that MariaDB/MySQL is running and reachable from this machine at ${where}`,
      code,
    );
  }
  if (code.startsWith('ER_ACCESS_DENIED') || code === 'ER_DBACCESS_DENIED_ERROR') {
    return new SqlError(
      `the ${db} database at ${where} denied access for user '${conn.user}' (from ${conn.source})`,
      `check the user and password in ${conn.source}, and that the user may connect from this host`,
      code,
    );
  }
  if (code === 'ER_BAD_DB_ERROR') {
    return new SqlError(
      `the ${db} database '${conn.database}' does not exist at ${where} (from ${conn.source})`,
      'check the database name in the connection URL',
      code,
    );
  }
  const text = scrub(e.sqlMessage ?? e.message ?? String(err));
  return new SqlError(`${db} database: ${code}: ${text}`, 'see the statement above; nothing was committed by the failing statement', code);
}
