import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { InjectDb } from '../../database/database.tokens.js';
import type { DB, ProviderName } from '../../database/schema.js';

export interface OAuthStateRow {
  stateHash: string;
  userId: string;
  provider: ProviderName;
  redirectUri: string;
  codeVerifier: string | null;
  expiresAt: Date;
}

/** Server-side OAuth `state` rows (see migration 0005). */
@Injectable()
export class OAuthStateRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  /** Stores a new consent, and drops consents that expired (they can never be redeemed). */
  async insert(row: OAuthStateRow): Promise<void> {
    await this.db
      .deleteFrom('oauth_states')
      .where('expires_at', '<', sql<Date>`now()`)
      .execute();
    await this.db
      .insertInto('oauth_states')
      .values({
        state_hash: row.stateHash,
        user_id: row.userId,
        provider: row.provider,
        redirect_uri: row.redirectUri,
        code_verifier: row.codeVerifier,
        expires_at: row.expiresAt,
      })
      .execute();
  }

  /**
   * Deletes and returns the consent matching all of state, user, provider and redirect URI, if it
   * has not expired: one statement, so two requests racing with one state cannot both redeem it.
   * A state presented by another user is left in place for its owner.
   */
  async take(
    stateHash: string,
    userId: string,
    provider: ProviderName,
    redirectUri: string,
  ): Promise<{ codeVerifier: string | null } | undefined> {
    const row = await this.db
      .deleteFrom('oauth_states')
      .where('state_hash', '=', stateHash)
      .where('user_id', '=', userId)
      .where('provider', '=', provider)
      .where('redirect_uri', '=', redirectUri)
      .where('expires_at', '>', sql<Date>`now()`)
      .returning('code_verifier')
      .executeTakeFirst();
    return row && { codeVerifier: row.code_verifier };
  }
}
