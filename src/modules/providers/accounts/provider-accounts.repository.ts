import { Injectable } from '@nestjs/common';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { withSessionLock } from '../../../database/advisory-lock.repository.js';
import { InjectDb } from '../../../database/database.tokens.js';
import type { DB, ProviderAccount, ProviderName } from '../../../database/schema.js';
import type { Executor } from '../../../database/transaction.js';

export interface SealedTokens {
  accessToken: Buffer;
  refreshToken: Buffer | null;
  expiresAt: Date | null;
  scopes: string | null;
}

/**
 * A refreshed grant's save, one statement, run by `saveRefreshed` and by the token refresh
 * process (token-refresh-process.ts) on its own connection: $1 id, $2 the grant's version, $3 the sealed
 * access token, $4 the sealed refresh token (null: keep the stored one), $5 expiry.
 */
export const SAVE_REFRESHED_SQL = `UPDATE provider_accounts
SET access_token = $3, refresh_token = COALESCE($4, refresh_token), access_token_expires_at = $5,
    token_version = token_version + 1, status = 'ACTIVE', revoked_at = NULL, updated_at = now()
WHERE id = $1 AND token_version = $2`;

/** Provider accounts and their (encrypted) tokens. */
@Injectable()
export class ProviderAccountsRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  find(id: string, executor: Executor = this.db): Promise<ProviderAccount | undefined> {
    return executor.selectFrom('provider_accounts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Locks the account row, for a short check-then-write transaction (never around a provider call). */
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
   * Runs `fn` holding the account's token-refresh lock: a session advisory lock on a pooled
   * connection of its own, so no transaction or row lock stays open while the token endpoint is
   * asked, and a process that dies (or loses that connection) releases it with the connection.
   * `fn` gets that connection (so a lock holder needs no second one from the pool); `{ held: false }`,
   * without running `fn`, when another session holds the lock.
   */
  withRefreshLock<T>(
    id: string,
    fn: (executor: Executor) => Promise<T>,
  ): Promise<{ held: true; value: T } | { held: false }> {
    return withSessionLock(this.db, `token-refresh:${id}`, fn);
  }

  /**
   * A refreshed grant, in one statement (its own short transaction unless `executor` is one): new
   * access token, the rotated refresh token if there is one, and ACTIVE again (a refresh that raced
   * ours with the refresh token we rotated may have taken the provider's invalid_grant for a
   * revocation). Only over the grant it was refreshed from (`version`): false when another grant
   * was saved since (a reconnect), which wins.
   */
  async saveRefreshed(
    id: string,
    tokens: SealedTokens,
    version: number,
    executor: Executor = this.db,
  ): Promise<boolean> {
    // the same statement the token refresh process sends (SAVE_REFRESHED_SQL): one definition of the save
    const saved = await executor.executeQuery(
      CompiledQuery.raw(SAVE_REFRESHED_SQL, [
        id,
        version,
        tokens.accessToken,
        tokens.refreshToken,
        tokens.expiresAt,
      ]),
    );
    return (saved.numAffectedRows ?? 0n) > 0n;
  }

  /**
   * The grant is gone: REVOKED since now (kept as it was if already revoked). With `version`, only
   * if that grant is still the stored one. True when this call revoked it.
   */
  async markRevoked(id: string, version?: number, executor: Executor = this.db): Promise<boolean> {
    let query = executor
      .updateTable('provider_accounts')
      .set({ status: 'REVOKED', revoked_at: sql`coalesce(revoked_at, now())`, updated_at: new Date() })
      .where('id', '=', id)
      .where('status', '<>', 'REVOKED');
    if (version !== undefined) query = query.where('token_version', '=', version);
    const revoked = await query.executeTakeFirst();
    return revoked.numUpdatedRows > 0n;
  }
}
