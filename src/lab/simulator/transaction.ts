// One request's writes as one transaction on one connection. Under autocommit every statement
// is its own commit and its own log flush on the lab's MariaDB: an attach paid four, its
// completion three, and 16 of them in flight queued on those flushes. Nova and Cinder write a
// request's rows in one DB session too, so the state other readers see is the same.
import type { Pool, PoolConnection } from 'mysql2/promise';

/** What a handler writes through: the pool (autocommit) or a transaction's connection. */
export type Sql = Pick<PoolConnection, 'query'>;

export async function inTransaction<T>(pool: Pool, work: (sql: Sql) => Promise<T>): Promise<T> {
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    const result = await work(conn);
    await conn.commit();
    return result;
  } catch (e) {
    await conn.rollback().catch(() => undefined);
    throw e;
  } finally {
    conn.release();
  }
}
