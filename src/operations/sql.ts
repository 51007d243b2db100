// Builders for SQL operations. Statements are parameterised; the `command` field shows the
// equivalent mysql line with the values inlined, for the plan and the transcript only.
import { posixQuote } from './posix-quote.js';
import type { DbName, RowBackup, SqlOperation, SqlParam, Target } from './types.js';

function literal(value: SqlParam): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') return String(value);
  if (value instanceof Date) return `'${value.toISOString().slice(0, 19).replace('T', ' ')}'`;
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function inlineParams(sql: string, params: readonly SqlParam[]): string {
  let i = 0;
  return sql.replace(/\?/g, () => literal(params[i++] ?? null));
}

/** Single-quoted for a POSIX shell: a value holding a backtick or $(...) stays text when the line is pasted. */
function command(db: DbName, sql: string, params: readonly SqlParam[]): string {
  return `mysql ${db} -e ${posixQuote(inlineParams(sql, params))}`;
}

export function selectRows(
  db: DbName,
  summary: string,
  sql: string,
  params: SqlParam[] = [],
  target: Target = {},
): SqlOperation & { mutating: false } {
  return { kind: 'sql', db, sql, params, mutating: false, summary, target: { db, ...target }, command: command(db, sql, params) };
}

export function updateRows(
  db: DbName,
  summary: string,
  sql: string,
  params: SqlParam[],
  target: Target,
  backup: RowBackup,
): SqlOperation {
  return { kind: 'sql', db, sql, params, mutating: true, summary, target: { db, ...target }, command: command(db, sql, params), backup };
}
