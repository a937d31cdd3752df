import { Injectable, Logger } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { AppConfig } from '../../../config/app-config.js';
import { InjectDb } from '../../../database/database.tokens.js';
import type { DB, ProviderAccount, ProviderName } from '../../../database/schema.js';
import { FatalSyncError, RetryableChunkError } from '../../chunks/chunk-errors.js';
import {
  ProviderAccountsRepository,
  type SealedTokens,
} from '../../connections/provider-accounts.repository.js';
import { ProviderAuthError, type TokenGrant } from '../provider-connector.js';
import { refreshGrant } from './grants.js';
import { TokenCipher } from './token-cipher.js';

/**
 * Refresh this long before expiry (30 s, or a quarter of the token's life if shorter), so a request
 * never leaves with a token about to lapse.
 */
const REFRESH_MARGIN_MS = 30_000;

/**
 * Provider tokens: encrypted at rest (AES-256-GCM), refreshed before expiry and after a 401, with
 * a rotated refresh token saved in the same transaction, and one refresh in flight per account
 * across all workers (the account row is locked while refreshing; whoever waited then finds the
 * new token). A revoked grant marks the account REVOKED and fails the sync (PROVIDER_AUTH_REVOKED).
 */
@Injectable()
export class TokenService {
  private readonly logger = new Logger(TokenService.name);
  private readonly cipher: TokenCipher;

  constructor(
    @InjectDb() private readonly db: Kysely<DB>,
    private readonly accounts: ProviderAccountsRepository,
    private readonly config: AppConfig,
  ) {
    this.cipher = new TokenCipher(config.tokenEncryptionKey);
  }

  seal(grant: TokenGrant): SealedTokens {
    return {
      accessToken: this.cipher.seal(grant.accessToken),
      refreshToken: grant.refreshToken ? this.cipher.seal(grant.refreshToken) : null,
      expiresAt: grant.expiresAt,
      scopes: grant.scopes,
    };
  }

  /** A usable access token; `failedToken` is one the provider just answered 401 to. */
  async accessToken(accountId: string, failedToken?: string): Promise<string> {
    const account = await this.accounts.find(accountId);
    if (!account)
      throw new FatalSyncError('PROVIDER_ACCOUNT_MISSING', 'The provider account of this connection is gone');
    if (account.status === 'REVOKED') throw revoked(account.provider);
    const current = this.cipher.open(account.access_token);
    if (current !== failedToken && fresh(account)) return current;
    return this.refresh(accountId, failedToken);
  }

  private async refresh(accountId: string, failedToken?: string): Promise<string> {
    let revokedProvider: ProviderName | undefined;
    try {
      return await this.db.transaction().execute(async (trx) => {
        const account = (await this.accounts.lock(trx, accountId))!;
        const current = this.cipher.open(account.access_token);
        if (account.status === 'REVOKED') throw revoked(account.provider);
        if (current !== failedToken && fresh(account)) return current; // another worker refreshed it meanwhile
        if (!account.refresh_token) throw revoked(account.provider);
        const endpoints = this.config.providers[account.provider];
        let grant: TokenGrant;
        try {
          grant = await refreshGrant(
            account.provider,
            endpoints,
            this.cipher.open(account.refresh_token),
            this.config.providers.requestTimeoutMs,
          );
        } catch (error) {
          if (error instanceof ProviderAuthError) revokedProvider = account.provider;
          throw error;
        }
        await this.accounts.saveRefreshed(trx, accountId, this.seal(grant));
        this.logger.debug(`refreshed the ${account.provider} token of account ${accountId}`);
        return grant.accessToken;
      });
    } catch (error) {
      if (revokedProvider) {
        await this.accounts.markRevoked(accountId);
        throw revoked(revokedProvider);
      }
      if (error instanceof FatalSyncError) throw error;
      throw new RetryableChunkError(
        'PROVIDER_TOKEN_REFRESH_FAILED',
        `token refresh failed: ${(error as Error).message}`,
      );
    }
  }
}

function fresh(account: ProviderAccount): boolean {
  const expiresAt = account.access_token_expires_at?.getTime();
  if (expiresAt === undefined) return true;
  const lifetime = expiresAt - account.updated_at.getTime();
  return expiresAt - Date.now() > Math.min(REFRESH_MARGIN_MS, lifetime / 4);
}

const revoked = (provider: ProviderName) =>
  new FatalSyncError(
    'PROVIDER_AUTH_REVOKED',
    `The ${provider} authorization was revoked; reconnect the account and retry`,
  );
