import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { InjectDb } from '../../database/database.tokens.js';
import type { Connection, DB, NewConnection } from '../../database/schema.js';

@Injectable()
export class ConnectionsRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  create(values: Omit<NewConnection, 'updated_at'>, executor: Kysely<DB> = this.db): Promise<Connection> {
    return executor
      .insertInto('connections')
      .values({ ...values, updated_at: new Date() })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** The caller's active connection, or undefined (unknown, deleted or another user's). */
  findForUser(id: string, userId: string, executor: Kysely<DB> = this.db): Promise<Connection | undefined> {
    return executor
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('status', '=', 'ACTIVE')
      .executeTakeFirst();
  }

  findById(id: string, executor: Kysely<DB> = this.db): Promise<Connection | undefined> {
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

  async markDeleted(id: string, executor: Kysely<DB> = this.db): Promise<boolean> {
    const result = await executor
      .updateTable('connections')
      .set({ status: 'DELETED', deleted_at: new Date(), updated_at: new Date() })
      .where('id', '=', id)
      .where('status', '=', 'ACTIVE')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
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
