// Operations are values: a step describes what it wants done, the runner decides whether it
// runs (live), is only recorded (dry-run), or is refused (scope, guard). Nothing in this file
// performs I/O.

/**
 * A logical database. 'nova' is the one cell database of a deployment novaops knows no API
 * database for; 'nova_api' holds the cell, host and instance mappings; `cell:NAME` is the database
 * of one cell of a cells v2 deployment, as its cell mapping names it (cell0 included).
 */
export type DbName = 'nova' | 'cinder' | 'nova_api' | CellDbName;
export type CellDbName = `cell:${string}`;
export type SqlParam = string | number | null | Date;
export type Row = Record<string, unknown>;

/** What an operation touches; used for scoping (test mode) and for the transcript. */
export interface Target {
  db?: DbName;
  host?: string;
  instance?: string;
  volume?: string;
}

interface OperationBase {
  /** One line a human reads in the plan. */
  summary: string;
  /** True when the operation changes the cloud (DB row, API state, host file or process). */
  mutating: boolean;
  target: Target;
  /** The command an operator could type by hand to do the same thing. */
  command: string;
  /**
   * Runs even when an earlier operation of its item failed: what restarts a stopped service or
   * restores what the item took away (invariant 13). Later operations that are not `always` do not run.
   */
  always?: boolean;
}

/** Rows a mutating SQL statement will change, saved (with a rollback script) before it runs. */
export interface RowBackup {
  table: string;
  /** Primary-key column, used by the generated rollback statements. */
  key: string;
  where: string;
  params: SqlParam[];
}

export interface SqlOperation extends OperationBase {
  kind: 'sql';
  db: DbName;
  sql: string;
  params: SqlParam[];
  backup?: RowBackup;
}

export type ApiService = 'compute' | 'volumev3' | 'identity' | 'placement';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ApiOperation<T = unknown> extends OperationBase {
  kind: 'api';
  service: ApiService;
  method: HttpMethod;
  /** Path relative to the service's catalog endpoint, query string included. */
  path: string;
  body?: unknown;
  /** HTTP statuses that count as success (default: 2xx). */
  okStatus?: number[];
  /** For list calls: the collection key to follow with limit/marker pagination. */
  paginate?: { collection: string; pageSize: number };
  microversion?: string;
  /** Turns the JSON body into the value the step works with. */
  parse?: (body: unknown) => T;
}

export interface ShellOperation extends OperationBase {
  kind: 'shell';
  /** A host alias from the config (a compute node, a guest) or 'local'. */
  host: string;
  argv: string[];
  /** Exit codes that count as success (default: [0]). */
  okExit?: number[];
  timeoutMs?: number;
  /** Says what went wrong from the command's own output (e.g. the files chown could not change), instead of its last stderr line. */
  describeFailure?: (answer: { exitCode: number; stdout: string; stderr: string }) => string | undefined;
}

export type Operation = SqlOperation | ApiOperation<any> | ShellOperation;

export interface OperationResult<T = unknown> {
  ok: boolean;
  durationMs: number;
  /** HTTP status (api). */
  status?: number;
  /** Exit code (shell). */
  exitCode?: number;
  /** Rows read (sql SELECT) or affected (sql write). */
  rows?: Row[];
  affectedRows?: number;
  /** Parsed value (api with parse) or raw JSON body. */
  value?: T;
  stdout?: string;
  stderr?: string;
  /** Human-readable reason on failure. */
  error?: string;
  /**
   * A mutating operation that was sent but whose answer never came (reset, timeout, a gateway's
   * 5xx, ssh dropped, COMMIT unanswered): it may or may not have been applied. The engine resolves
   * it by reading state; it is never repeated blind.
   */
  answerLost?: boolean;
}

/** A read-only operation: the only kind a step may execute during discovery (and in dry-run). */
export type ReadOperation<T = unknown> =
  | (SqlOperation & { mutating: false })
  | (ApiOperation<T> & { mutating: false })
  | (ShellOperation & { mutating: false });

export function describeOperation(op: Operation): string {
  switch (op.kind) {
    case 'sql':
      return `SQL [${op.db}] ${op.sql}${op.params.length ? `  -- params ${JSON.stringify(op.params.map(formatParam))}` : ''}`;
    case 'api':
      return `API ${op.method} ${op.service}${op.path}${op.body === undefined ? '' : ` ${JSON.stringify(op.body)}`}`;
    case 'shell':
      return `SHELL [${op.host}] ${op.command}`;
  }
}

function formatParam(p: SqlParam): string | number | null {
  return p instanceof Date ? p.toISOString() : p;
}
