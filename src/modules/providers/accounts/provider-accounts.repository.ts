import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { InjectDb } from '../../../database/database.tokens.js';
import type { DB, ProviderAccount, ProviderName } from '../../../database/schema.js';
import type { Executor } from '../../../database/transaction.js';

export interface SealedTokens {
  accessToken: Buffer;
  refreshToken: Buffer | null;
  expiresAt: Date | null;
  scopes: string | null;
}

/** Provider accounts and their (encrypted) tokens. */
@Injectable()
export class ProviderAccountsRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  find(id: string, executor: Executor = this.db): Promise<ProviderAccount | undefined> {
    return executor.selectFrom('provider_accounts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Locks the account row: one token refresh at a time per account, across every worker. */
  lock(executor: Executor, id: string): Promise<ProviderAccount | undefined> {
    return executor
      .selectFrom('provider_accounts')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
  }

  /** A user's account at a provider, created or re-authorized with new tokens. */
  upsert(
    executor: Executor,
    account: { userId: string; provider: ProviderName; externalUserId: string },
    tokens: SealedTokens,
  ): Promise<ProviderAccount> {
    const values = {
      access_token: tokens.accessToken,
      refresh_token: tokens.refreshToken,
      access_token_expires_at: tokens.expiresAt,
      scopes: tokens.scopes,
      status: 'ACTIVE' as const,
      revoked_at: null,
      updated_at: new Date(),
    };
    return executor
      .insertInto('provider_accounts')
      .values({
        user_id: account.userId,
        provider: account.provider,
        external_user_id: account.externalUserId,
        ...values,
      })
      .onConflict((oc) =>
        oc
          .columns(['user_id', 'provider', 'external_user_id'])
          .doUpdateSet({ ...values, token_version: sql`provider_accounts.token_version + 1` }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /**
   * A refreshed grant: new access token, the rotated refresh token if there is one; `reactivate`
   * also clears a REVOKED status (set by a refresh that raced ours with the refresh token we rotated).
   */
  async saveRefreshed(
    executor: Executor,
    id: string,
    tokens: SealedTokens,
    reactivate = false,
  ): Promise<void> {
    await executor
      .updateTable('provider_accounts')
      .set({
        access_token: tokens.accessToken,
        ...(tokens.refreshToken ? { refresh_token: tokens.refreshToken } : {}),
        access_token_expires_at: tokens.expiresAt,
        token_version: sql`token_version + 1`,
        ...(reactivate ? { status: 'ACTIVE' as const, revoked_at: null } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .execute();
  }

  /** The grant is gone: REVOKED since now (kept as it was if already revoked). */
  async markRevoked(id: string, executor: Executor = this.db): Promise<void> {
    await executor
      .updateTable('provider_accounts')
      .set({ status: 'REVOKED', revoked_at: sql`coalesce(revoked_at, now())`, updated_at: new Date() })
      .where('id', '=', id)
      .where('status', '<>', 'REVOKED')
      .execute();
  }
}
