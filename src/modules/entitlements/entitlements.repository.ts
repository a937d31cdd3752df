import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { InjectDb } from '../../database/database.tokens.js';
import type { DB, Entitlement, Tier } from '../../database/schema.js';
import type { Executor } from '../../database/transaction.js';

@Injectable()
export class EntitlementsRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  find(userId: string): Promise<Entitlement | undefined> {
    return this.db.selectFrom('entitlements').selectAll().where('user_id', '=', userId).executeTakeFirst();
  }

  upsert(
    userId: string,
    tier: Tier,
    expiresAt: Date | null,
    executor: Executor = this.db,
  ): Promise<Entitlement> {
    return executor
      .insertInto('entitlements')
      .values({ user_id: userId, tier, expires_at: expiresAt, updated_at: new Date() })
      .onConflict((oc) =>
        oc.column('user_id').doUpdateSet({ tier, expires_at: expiresAt, updated_at: new Date() }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
  }
}
