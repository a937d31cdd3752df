import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';
import type { Executor } from './transaction.js';

/**
 * Runs `fn` holding a session advisory lock on a pooled connection of its own (no transaction
 * stays open while it runs), released after it, or by PostgreSQL when the process dies with its
 * connection. `key`: a number, or a name hashed to one. `{ held: false }`, without running `fn`,
 * when another session holds it. `fn` gets the lock's connection (its statements run outside any
 * transaction, in order).
 */
export function withSessionLock<T>(
  db: Kysely<DB>,
  key: number | string,
  fn: (conn: Executor) => Promise<T>,
): Promise<{ held: true; value: T } | { held: false }> {
  const id = typeof key === 'number' ? sql`${key}::bigint` : sql`hashtextextended(${key}, 0)`;
  return db.connection().execute(async (conn) => {
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(${id}) AS locked`.execute(
      conn,
    );
    if (!rows[0].locked) return { held: false as const };
    try {
      return { held: true as const, value: await fn(conn) };
    } finally {
      // a dead connection took the lock with it; the pool does not hand a broken client out again
      await sql`SELECT pg_advisory_unlock(${id})`.execute(conn).catch(() => undefined);
    }
  });
}
