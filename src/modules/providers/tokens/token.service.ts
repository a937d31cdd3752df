import { Injectable, Logger } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { sleep } from '../../../common/sleep.js';
import { AppConfig } from '../../../config/app-config.js';
import { InjectDb } from '../../../database/database.tokens.js';
import type { DB, ProviderAccount, ProviderName } from '../../../database/schema.js';
import { FatalSyncError } from '../../chunks/chunk-errors.js';
import { ProviderAccountsRepository, type SealedTokens } from '../accounts/provider-accounts.repository.js';
import type { TokenGrant } from '../provider-connector.js';
import {
  ProviderAppCredentialsError,
  ProviderGrantRevokedError,
  ProviderRateLimitedError,
} from '../provider-errors.js';
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
 * new token). A revoked grant marks the account REVOKED (ProviderGrantRevokedError): the engine
 * pauses the account's syncs until the user reconnects.
 */
@Injectable()
export class TokenService {
  private readonly logger = new Logger(TokenService.name);
  private readonly cipher: TokenCipher;
  /** A token endpoint that answered 429 is not asked again (by this process) before its reset. */
  private readonly tokenEndpointBlockedUntil = new Map<ProviderName, ProviderRateLimitedError>();

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
    if (account.status === 'REVOKED') throw revoked(account.provider, accountId);
    const current = this.cipher.open(account.access_token);
    if (current !== failedToken && fresh(account)) return current;
    return this.refresh(accountId, failedToken);
  }

  /**
   * The API keeps refusing freshly refreshed tokens: the grant is gone. Marks the account REVOKED,
   * unless its tokens changed meanwhile (the user reconnected, or another worker refreshed).
   */
  async revokeIfCurrent(accountId: string, failedToken: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const account = await this.accounts.lock(trx, accountId);
      if (!account || account.status === 'REVOKED') return;
      if (this.cipher.open(account.access_token) !== failedToken) return;
      await this.accounts.markRevoked(accountId, trx);
      this.logger.warn(
        `the ${account.provider} grant of account ${accountId} is gone: its API refuses fresh tokens`,
      );
    });
  }

  /**
   * One refresh per account at a time across every worker: the account row stays locked while the
   * token endpoint is asked, and a rotated refresh token is saved in that same transaction. Only
   * an `invalid_grant` answer marks the account REVOKED (committed even though the refresh failed);
   * a 429, 5xx, timeout or a rejection of our own client credentials leaves the grant alone.
   */
  private async refresh(accountId: string, failedToken?: string): Promise<string> {
    let outcome: { token: string } | { revoked: ProviderGrantRevokedError };
    // a grant the provider issued: with rotation, the refresh token we sent no longer works
    let issued: { grant: TokenGrant; used: string } | undefined;
    try {
      outcome = await this.db.transaction().execute(async (trx) => {
        const account = (await this.accounts.lock(trx, accountId))!;
        const current = this.cipher.open(account.access_token);
        if (account.status === 'REVOKED') return { revoked: revoked(account.provider, accountId) };
        if (current !== failedToken && fresh(account)) return { token: current }; // another worker refreshed it meanwhile
        if (!account.refresh_token) {
          await this.accounts.markRevoked(accountId, trx);
          return { revoked: revoked(account.provider, accountId) };
        }
        const blocked = this.tokenEndpointBlockedUntil.get(account.provider);
        if (blocked && blocked.retryAt.getTime() > Date.now()) throw blocked;
        try {
          const used = this.cipher.open(account.refresh_token);
          const grant = await refreshGrant(
            account.provider,
            this.config.providers[account.provider],
            used,
            this.config.providers.requestTimeoutMs,
          );
          issued = { grant, used };
          await this.accounts.saveRefreshed(trx, accountId, this.seal(grant));
          this.logger.debug(`refreshed the ${account.provider} token of account ${accountId}`);
          return { token: grant.accessToken };
        } catch (error) {
          if (error instanceof ProviderRateLimitedError) {
            // spread the waiters over a second past the reset instead of all retrying into it
            const at = new Date(error.retryAt.getTime() + Math.floor(Math.random() * 1000));
            this.tokenEndpointBlockedUntil.set(
              account.provider,
              new ProviderRateLimitedError(account.provider, at, error.message, 'token'),
            );
          }
          if (!(error instanceof ProviderGrantRevokedError)) throw error;
          await this.accounts.markRevoked(accountId, trx);
          this.logger.warn(`the ${account.provider} grant of account ${accountId} is gone: ${error.message}`);
          return {
            revoked: new ProviderGrantRevokedError(account.provider, error.message, 'token', accountId),
          };
        }
      });
    } catch (error) {
      if (issued) return this.keepIssued(accountId, issued, error);
      if (error instanceof ProviderAppCredentialsError)
        this.logger.error(`${error.message}; every ${error.provider} sync waits until it is fixed`);
      throw error;
    }
    if ('revoked' in outcome) throw outcome.revoked;
    return outcome.token;
  }

  /**
   * The provider issued a grant but saving it failed (the database went away mid-transaction, or
   * the commit did). With rotation the refresh token we sent is dead, so this grant is the
   * account's only one: offer it to the database again, with backoff, for up to a minute. A save
   * finding the account REVOKED since (another worker refreshed with the rotated token meanwhile
   * and took the provider's invalid_grant for a revocation) makes it ACTIVE again; the sweeper then
   * resumes its paused syncs. A grant saved by someone else since (a reconnect) wins over ours.
   */
  private async keepIssued(
    accountId: string,
    issued: { grant: TokenGrant; used: string },
    cause: unknown,
  ): Promise<string> {
    this.logger.warn(`the refreshed token of account ${accountId} was not saved; retrying the save`);
    const deadline = Date.now() + KEEP_ISSUED_MS;
    for (let wait = 200; ; wait = Math.min(wait * 2, 2_000)) {
      try {
        return await this.db.transaction().execute(async (trx) => {
          const account = await this.accounts.lock(trx, accountId);
          if (!account) throw new FatalSyncError('PROVIDER_ACCOUNT_MISSING', 'The provider account is gone');
          const stored = account.refresh_token ? this.cipher.open(account.refresh_token) : undefined;
          const ours = issued.grant.refreshToken ?? issued.used;
          if (stored !== issued.used && stored !== ours) {
            if (account.status === 'REVOKED') throw revoked(account.provider, accountId);
            return this.cipher.open(account.access_token); // a newer grant was saved meanwhile
          }
          await this.accounts.saveRefreshed(trx, accountId, this.seal(issued.grant), true);
          this.logger.log(`saved the refreshed ${account.provider} token of account ${accountId} on a retry`);
          return issued.grant.accessToken;
        });
      } catch (error) {
        const settled = error instanceof ProviderGrantRevokedError || error instanceof FatalSyncError;
        if (settled || Date.now() + wait > deadline) {
          if (!settled)
            this.logger.error(`a refreshed token of account ${accountId} could not be saved: it is lost`);
          throw settled ? error : cause;
        }
        await sleep(wait);
      }
    }
  }
}

/** How long a grant the provider issued, whose save failed, is offered to the database again. */
const KEEP_ISSUED_MS = 60_000;

function fresh(account: ProviderAccount): boolean {
  const expiresAt = account.access_token_expires_at?.getTime();
  if (expiresAt === undefined) return true;
  const lifetime = expiresAt - account.updated_at.getTime();
  return expiresAt - Date.now() > Math.min(REFRESH_MARGIN_MS, lifetime / 4);
}

const revoked = (provider: ProviderName, accountId: string) =>
  new ProviderGrantRevokedError(
    provider,
    `The ${provider} authorization was revoked; reconnect the account to go on`,
    'token',
    accountId,
  );
