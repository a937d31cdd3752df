import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { InjectDb } from '../../database/database.tokens.js';
import type { Connection, DB, NewConnection, ProviderName } from '../../database/schema.js';
import type { Executor } from '../../database/transaction.js';

@Injectable()
export class ConnectionStoreRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  create(values: Omit<NewConnection, 'updated_at'>, executor: Executor = this.db): Promise<Connection> {
    return executor
      .insertInto('connections')
      .values({ ...values, updated_at: new Date() })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** The caller's active connection, or undefined (unknown, deleted or another user's). */
  findForUser(id: string, userId: string, executor: Executor = this.db): Promise<Connection | undefined> {
    return executor
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('status', '=', 'ACTIVE')
      .executeTakeFirst();
  }

  findById(id: string, executor: Executor = this.db): Promise<Connection | undefined> {
    return executor.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Newest first; `afterId` is the last id of the previous page. */
  listForUser(userId: string, limit: number, afterId?: string): Promise<Connection[]> {
    let query = this.db
      .selectFrom('connections')
      .selectAll()
      .where('user_id', '=', userId)
      .where('status', '=', 'ACTIVE');
    if (afterId) {
      query = query.where(
        sql<boolean>`(created_at, id) < (SELECT created_at, id FROM connections WHERE id = ${afterId})`,
      );
    }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }

  async markDeleted(id: string, executor: Executor = this.db): Promise<boolean> {
    const result = await executor
      .updateTable('connections')
      .set({ status: 'DELETED', deleted_at: new Date(), updated_at: new Date() })
      .where('id', '=', id)
      .where('status', '=', 'ACTIVE')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Which side of each connection needs the user to reconnect (its provider account's grant is
   * REVOKED), and since when; connections whose accounts are all ACTIVE are absent.
   */
  async reauthOf(
    connectionIds: string[],
    executor: Executor = this.db,
  ): Promise<Map<string, { provider: ProviderName; since: Date }>> {
    if (connectionIds.length === 0) return new Map();
    const rows = await executor
      .selectFrom('connections as c')
      .innerJoin('provider_accounts as a', (join) =>
        join.on((eb) =>
          eb.or([
            eb('a.id', '=', eb.ref('c.source_account_id')),
            eb('a.id', '=', eb.ref('c.destination_account_id')),
          ]),
        ),
      )
      .select(['c.id', 'a.provider', 'a.revoked_at'])
      .where('c.id', 'in', connectionIds)
      .where('a.status', '=', 'REVOKED')
      .orderBy('a.revoked_at')
      .execute();
    const result = new Map<string, { provider: ProviderName; since: Date }>();
    for (const r of rows)
      if (!result.has(r.id)) result.set(r.id, { provider: r.provider, since: r.revoked_at ?? new Date(0) });
    return result;
  }

  /** The live connections that use a provider account (either side). */
  usingAccount(accountId: string, executor: Executor = this.db): Promise<Connection[]> {
    return executor
      .selectFrom('connections')
      .selectAll()
      .where('status', '=', 'ACTIVE')
      .where((eb) =>
        eb.or([eb('source_account_id', '=', accountId), eb('destination_account_id', '=', accountId)]),
      )
      .orderBy('id')
      .execute();
  }

  /** The automatic 7-day sync of each connection (the first one started). */
  async initialSyncs(connectionIds: string[]): Promise<Map<string, string>> {
    if (connectionIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('orchestrations')
      .select(['connection_id', 'id'])
      .distinctOn('connection_id')
      .where('connection_id', 'in', connectionIds)
      .where('kind', '=', 'INITIAL_7_DAY')
      .orderBy('connection_id')
      .orderBy('created_at')
      .execute();
    return new Map(rows.map((r) => [r.connection_id, r.id]));
  }
}
