// mysql2 behind the SqlEffect interface: a pool per database, parameterised statements only,
// advisory locks on connections of their own so they live exactly as long as we hold them.
import mysql from 'mysql2/promise';
import type { Connection, Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { DbConnection } from '../../config/types.js';
import type { DbName, Row, SqlParam } from '../../operations/types.js';
import type { SqlEffect, SqlTransaction } from '../types.js';
import { SqlError, toSqlError } from './sql-error.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs, commitVerdict, retryPolicy, sqlVerdict, type RetryObserver, type RetryPolicy } from '../retry-policy.js';

export { SqlError } from './sql-error.js';

const connectTimeout = 10_000;

function connectionOptions(c: DbConnection) {
  return {
    host: c.host,
    port: c.port,
    user: c.user,
    password: c.password,
    database: c.database,
    // One statement per call: a parameter can never smuggle in a second one.
    multipleStatements: false,
    connectTimeout,
    // Nova and Cinder store UTC without a zone; reading them as UTC keeps rollback scripts exact.
    timezone: 'Z',
    supportBigNumbers: true,
    charset: 'utf8mb4',
  } as const;
}

export interface SqlEffectOptions {
  /** The retry policy's numbers; tests make them small. */
  retry?: Partial<RetryPolicy>;
  /**
   * innodb_lock_wait_timeout of novaops' sessions (s). A row held by a busy nova-conductor turns
   * into a 1205 and a retry after this long, rather than the server's default 50 s.
   */
  lockWaitTimeoutS?: number;
}

/** The databases a config names: nova and cinder, and nova_api where cells are mapped. */
export interface ConfiguredDatabases {
  nova: DbConnection;
  cinder: DbConnection;
  novaApi?: DbConnection;
}

export function createSqlEffect(configured: ConfiguredDatabases, opts: SqlEffectOptions = {}): SqlEffect {
  const policy = retryPolicy(opts.retry);
  // Cell databases join at connect time, once nova_api has named them (register()).
  const known = new Map<DbName, DbConnection>([
    ['nova', configured.nova],
    ['cinder', configured.cinder],
  ]);
  if (configured.novaApi) known.set('nova_api', configured.novaApi);
  // The run lock lives on the API database where there is one: one lock per cloud, whatever the cells.
  const lockDb: DbName = configured.novaApi ? 'nova_api' : 'nova';
  const dbs = (db: DbName): DbConnection => {
    const c = known.get(db);
    if (!c) throw new SqlError(`no database "${db}" is known to this session`, 'a cell database is known once nova_api names it (novaops doctor shows the cells)');
    return c;
  };
  const pools = new Map<DbName, Pool>();
  const lockConnections = new Map<string, Connection>();
  const openTransactions = new Set<PoolConnection>();

  const pool = (db: DbName): Pool => {
    let p = pools.get(db);
    if (!p) {
      p = mysql.createPool({ ...connectionOptions(dbs(db)), connectionLimit: 8, waitForConnections: true });
      if (opts.lockWaitTimeoutS !== undefined) {
        const seconds = opts.lockWaitTimeoutS;
        // Every new pooled connection, before it is handed out (the core connection of the promise pool).
        p.pool.on('connection', (conn) => conn.query(`SET SESSION innodb_lock_wait_timeout = ${Number(seconds)}`));
      }
      pools.set(db, p);
    }
    return p;
  };

  const guard = async <T>(db: DbName, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toSqlError(err, db, dbs(db));
    }
  };

  const toResult = (res: unknown): { rows: Row[]; affectedRows: number } => {
    if (Array.isArray(res)) return { rows: res as Row[], affectedRows: 0 };
    return { rows: [], affectedRows: (res as ResultSetHeader).affectedRows ?? 0 };
  };

  /** Runs `attempt` again while the policy says the failure left nothing behind (lock wait, deadlock, lost connection). */
  const retrying = async <T>(what: string, observe: RetryObserver | undefined, attempt: (n: number) => Promise<T>): Promise<T> => {
    for (let n = 1; ; n++) {
      try {
        return await attempt(n);
      } catch (err) {
        const code = (err as SqlError).code;
        if (!(err instanceof SqlError) || err.answerLost || sqlVerdict(code) !== 'retry' || n >= policy.maxAttempts) throw err;
        const waitMs = backoffMs(policy, n + 1);
        observe?.({ failure: `${what}: ${code}`, attempt: n + 1, maxAttempts: policy.maxAttempts, waitMs });
        await sleep(waitMs);
      }
    }
  };

  const effect: SqlEffect = {
    async select(db, sql, params, observe) {
      return retrying(`${db} database`, observe, () =>
        guard(db, async () => {
          const [rows] = await pool(db).query<RowDataPacket[]>(sql, params);
          return rows as Row[];
        }),
      );
    },

    async transaction(order, body, observe) {
      return retrying(`${order.join(' and ')} transaction`, observe, async () => {
        const txs = new Map<DbName, SqlTransaction>();
        let committed = 0;
        try {
          for (const db of order) txs.set(db, await effect.begin(db));
          const result = await body((db) => {
            const tx = txs.get(db);
            if (!tx) throw new SqlError(`no ${db} transaction in this step (it has ${order.join(', ')})`, 'this is a defect in the step');
            return tx;
          });
          for (const db of order) {
            try {
              await txs.get(db)!.commit();
            } catch (err) {
              throw commitFailure(err, db, committed);
            }
            txs.delete(db);
            committed++;
          }
          return result;
        } finally {
          // Whatever was not committed is rolled back (a dead connection is destroyed by finish()).
          for (const tx of txs.values()) await tx.rollback().catch(() => undefined);
        }
      });
    },

    async begin(db) {
      const conn = await guard(db, () => pool(db).getConnection());
      try {
        await conn.query('START TRANSACTION');
      } catch (err) {
        conn.release();
        throw toSqlError(err, db, dbs(db));
      }
      openTransactions.add(conn);
      let finished = false;
      const finish = async (statement: 'COMMIT' | 'ROLLBACK') => {
        if (finished) throw new SqlError(`${db} transaction already finished`, 'begin a new transaction');
        finished = true;
        try {
          await conn.query(statement);
          conn.release();
        } catch (err) {
          // A connection whose COMMIT/ROLLBACK failed is in an unknown state: never reuse it.
          conn.destroy();
          throw toSqlError(err, db, dbs(db));
        } finally {
          openTransactions.delete(conn);
        }
      };
      const tx: SqlTransaction = {
        async query(sql: string, params: SqlParam[]) {
          if (finished) throw new SqlError(`${db} transaction already finished`, 'begin a new transaction');
          return guard(db, async () => toResult((await conn.query(sql, params))[0]));
        },
        commit: () => finish('COMMIT'),
        rollback: () => finish('ROLLBACK'),
      };
      return tx;
    },

    schemaName(db) {
      return dbs(db).database;
    },

    register(db, connection) {
      if (!db.startsWith('cell:')) throw new SqlError(`"${String(db)}" is not a cell database`, 'register only cell:NAME databases');
      known.set(db, connection);
    },

    databases() {
      return [...known.keys()];
    },

    lockDb() {
      return lockDb;
    },

    async columns(db) {
      const rows = await this.select(
        db,
        'SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.columns WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION',
        [dbs(db).database],
      );
      const map = new Map<string, string[]>();
      for (const r of rows) {
        const t = String(r.t);
        const list = map.get(t) ?? [];
        list.push(String(r.c));
        map.set(t, list);
      }
      return map;
    },

    async acquireLock(name) {
      if (lockConnections.has(name)) return true;
      // Its own connection, not a pooled one: the lock is released when this connection closes,
      // which includes the process dying, and a pool might hand the connection to someone else.
      const conn = await guard(lockDb, () => mysql.createConnection(connectionOptions(dbs(lockDb))));
      try {
        const [rows] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS got', [name]);
        if (Number(rows[0]?.got) === 1) {
          lockConnections.set(name, conn);
          // A dropped lock connection means the lock is gone; nothing to do but not crash.
          conn.on('error', () => lockConnections.delete(name));
          return true;
        }
      } catch (err) {
        await conn.end().catch(() => conn.destroy());
        throw toSqlError(err, lockDb, dbs(lockDb));
      }
      await conn.end().catch(() => conn.destroy());
      return false;
    },

    async lockHolder(name) {
      const rows = await this.select(lockDb, 'SELECT IS_USED_LOCK(?) AS holder', [name]);
      const holder = rows[0]?.holder;
      return holder === null || holder === undefined ? null : Number(holder);
    },

    async releaseLock(name) {
      const conn = lockConnections.get(name);
      if (!conn) return;
      lockConnections.delete(name);
      try {
        await conn.query('SELECT RELEASE_LOCK(?)', [name]);
      } finally {
        await conn.end().catch(() => conn.destroy());
      }
    },

    format(sql, params) {
      return mysql.format(sql, params, false, 'Z');
    },

    async close() {
      for (const conn of openTransactions) conn.destroy();
      openTransactions.clear();
      for (const name of [...lockConnections.keys()]) await this.releaseLock(name).catch(() => undefined);
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((p) => p.end().catch(() => undefined)));
    },
  };
  return effect;
}

/**
 * A COMMIT that failed. Its connection lost: the server may have committed, a lost answer (never
 * re-run: the step's state is read instead). After an earlier database committed, nothing is
 * re-run either: the step is half applied, and a resume re-plans it from what it reads.
 */
function commitFailure(err: unknown, db: DbName, committedBefore: number): SqlError {
  const e = err instanceof SqlError ? err : new SqlError(String((err as Error)?.message ?? err), 'see the message');
  if (commitVerdict(e.code) === 'lost-answer') {
    return new SqlError(`the ${db} COMMIT got no answer (${e.code}): whether it was committed is unknown`, 'novaops resume reads the rows before anything is run again', e.code, true);
  }
  if (committedBefore > 0) return new SqlError(`${e.message} (after an earlier database of the step committed)`, e.hint, e.code, true);
  return e;
}
