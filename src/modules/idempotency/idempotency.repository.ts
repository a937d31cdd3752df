import { Injectable } from '@nestjs/common';
import { sql, type Kysely, type Selectable } from 'kysely';
import { InjectDb } from '../../database/database.tokens.js';
import type { DB, IdempotencyKeysTable } from '../../database/schema.js';
import type { Executor } from '../../database/transaction.js';

export type IdempotencyRecord = Selectable<IdempotencyKeysTable>;

@Injectable()
export class IdempotencyRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  find(userId: string, key: string, executor: Executor = this.db): Promise<IdempotencyRecord | undefined> {
    return executor
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('user_id', '=', userId)
      .where('key', '=', key)
      .where('expires_at', '>', sql<Date>`now()`)
      .executeTakeFirst();
  }

  /** Transaction-scoped lock on (user, key): false when another request holds it right now. */
  async tryLock(executor: Executor, userId: string, key: string): Promise<boolean> {
    const { rows } = await sql<{ locked: boolean }>`
      SELECT pg_try_advisory_xact_lock(hashtextextended(${`${userId.length}:${userId}:${key}`}, 7301)) AS locked
    `.execute(executor);
    return rows[0].locked;
  }

  async insert(
    executor: Executor,
    record: Omit<IdempotencyRecord, 'created_at' | 'expires_at'>,
    ttlHours: number,
  ): Promise<void> {
    await executor
      .insertInto('idempotency_keys')
      .values({
        ...record,
        response_body: JSON.stringify(record.response_body),
        response_headers: JSON.stringify(record.response_headers),
        expires_at: sql<Date>`now() + make_interval(hours => ${ttlHours})`,
      })
      // an expired record under the same key is replaced
      .onConflict((oc) =>
        oc.columns(['user_id', 'key']).doUpdateSet((eb) => ({
          request_hash: eb.ref('excluded.request_hash'),
          response_status: eb.ref('excluded.response_status'),
          response_body: eb.ref('excluded.response_body'),
          response_headers: eb.ref('excluded.response_headers'),
          created_at: sql<Date>`now()`,
          expires_at: eb.ref('excluded.expires_at'),
        })),
      )
      .execute();
  }

  async deleteExpired(): Promise<number> {
    const result = await this.db
      .deleteFrom('idempotency_keys')
      .where('expires_at', '<=', sql<Date>`now()`)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
