// The interfaces of the only code that touches the world. The engine executes operations
// through these; tests and the lab plug real implementations in (real MariaDB, real HTTP).
import type { DbConnection, HostSpec } from '../config/types.js';
import type { ApiOperation, CellDbName, DbName, OperationResult, Row, SqlParam } from '../operations/types.js';
import type { RetryObserver } from './retry-policy.js';
import type { CellDirectory } from '../operations/cells.js';

export type { RetryNotice, RetryObserver } from './retry-policy.js';

export interface SqlTransaction {
  query(sql: string, params: SqlParam[]): Promise<{ rows: Row[]; affectedRows: number }>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

export interface SqlEffect {
  /** A read-only statement on one database; retried on a lock wait, a deadlock or a lost connection. */
  select(db: DbName, sql: string, params: SqlParam[], observe?: RetryObserver): Promise<Row[]>;
  /** A transaction on its own connection. */
  begin(db: DbName): Promise<SqlTransaction>;
  /**
   * One transaction per database of `order`, `body` run in them, then the COMMITs in that order.
   * A lock wait, a deadlock or a lost connection before any COMMIT rolls every one back and runs
   * `body` again from its start, in new transactions (bounded by the retry policy, each retry
   * told to `observe`). A COMMIT whose answer was lost is never re-run: its SqlError says `answerLost`.
   */
  transaction<T>(order: DbName[], body: (tx: (db: DbName) => SqlTransaction) => Promise<T>, observe?: RetryObserver): Promise<T>;
  /** The schema name behind a logical database (e.g. 'nova_cell1'). */
  schemaName(db: DbName): string;
  /** A cell's database, named by nova_api's cell mappings, joins the session. */
  register(db: CellDbName, connection: DbConnection): void;
  /** Every logical database this session can reach. */
  databases(): DbName[];
  /** Where the run lock is taken: nova_api where there is one, else nova. */
  lockDb(): DbName;
  /** Columns of every table of a database, from information_schema. */
  columns(db: DbName): Promise<Map<string, string[]>>;
  /** `GET_LOCK(name, 0)` on a dedicated connection held until releaseLock or close. */
  acquireLock(name: string): Promise<boolean>;
  /** Connection id holding a lock, or null. */
  lockHolder(name: string): Promise<number | null>;
  releaseLock(name: string): Promise<void>;
  /** The statement with its parameters inlined and escaped, for rollback scripts and display. */
  format(sql: string, params: SqlParam[]): string;
  close(): Promise<void>;
}

export interface Identity {
  token: string;
  projectId: string;
  userId: string;
  /** service type -> endpoint URL (interface and region already chosen). */
  endpoints: Record<string, string>;
}

export interface OpenStackEffect {
  /** Authenticates once (Keystone v3 password) and caches the token for the run. */
  identity(): Promise<Identity>;
  /**
   * Executes one API operation: token, endpoint, pagination, bounded concurrency, retries under
   * the retry policy (each one told to `observe`). Throws CloudUnreachableError when the cloud
   * answered nothing for the policy's budget; a mutation whose answer was lost returns `answerLost`.
   */
  execute<T>(op: ApiOperation<T>, observe?: RetryObserver): Promise<OperationResult<T>>;
  /** Requests made, by "METHOD service/path-shape" (for the run summary). */
  requestCounts(): Record<string, number>;
}

export interface ShellResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface RunOptions {
  timeoutMs?: number;
  /**
   * A command that changes the host. When ssh drops while it runs, it may have run: it is not
   * repeated. A read-only one (mutating false) is tried once more on a fresh connection.
   */
  mutating?: boolean;
  observe?: RetryObserver;
}

export interface HostsEffect {
  /** Runs argv on a configured host (local or over ssh with strict host key checking). */
  run(host: string, argv: string[], opts?: RunOptions): Promise<ShellResult>;
  /** Runs argv on a guest (server) address over ssh. */
  runOnGuest(address: string, argv: string[], opts?: RunOptions): Promise<ShellResult>;
  /** Configured hosts, or those discover() found. */
  known(): string[];
  /** How a host is reached (configured or discovered). */
  spec(host: string): HostSpec | undefined;
  /** When the config names no hosts: the compute hosts the Compute API lists (once; later calls return the same). */
  discover(): Promise<DiscoveredHosts>;
  /** Ends every ssh master connection and removes their sockets. */
  close(): Promise<void>;
}

export interface DiscoveredHosts {
  /** Host name (Nova's service.host) -> how to reach it. */
  hosts: Record<string, HostSpec>;
  /** Hypervisors left out, each with why. */
  skipped: string[];
  /** Why the Compute API could not be asked, when it could not. */
  error?: string;
}

export interface Effects {
  sql: SqlEffect;
  /** The cells of the cloud: one, `nova`, until connect reads nova_api (resolve-cells.ts). */
  cells: CellDirectory;
  openstack: OpenStackEffect;
  hosts: HostsEffect;
  close(): Promise<void>;
}
