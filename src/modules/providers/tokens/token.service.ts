import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { sleep } from '../../../common/sleep.js';
import { AppConfig, type ProviderEndpoints } from '../../../config/app-config.js';
import { InjectDb } from '../../../database/database.tokens.js';
import type { DB, ProviderAccount, ProviderName } from '../../../database/schema.js';
import type { Executor } from '../../../database/transaction.js';
import { FatalSyncError } from '../../chunks/chunk-errors.js';
import {
  ProviderAccountsRepository,
  SAVE_REFRESHED_SQL,
  type SealedTokens,
} from '../accounts/provider-accounts.repository.js';
import type { TokenGrant } from '../provider-connector.js';
import {
  ProviderAppCredentialsError,
  ProviderGrantRevokedError,
  ProviderRateLimitedError,
  ProviderUnavailableError,
} from '../provider-errors.js';
import { refreshForm, refreshGrant, toGrant } from './grants.js';
import { readTokenAnswer, TokenAnswerLostError, unreachable } from './oauth-client.js';
import { retryPolicy, type RetryPolicy } from '../../../config/retry-policy.js';
import { TokenRefreshProcess } from './token-refresh-process.js';
import { TokenCipher } from './token-cipher.js';

/**
 * Refresh this long before expiry (30 s, or a quarter of the token's life if shorter), so a request
 * never leaves with a token about to lapse.
 */
const REFRESH_MARGIN_MS = 30_000;
/**
 * A refresh request is given at least this long: abandoning one the provider may still answer is
 * how a rotated refresh token gets lost (see TokenAnswerLostError), and token endpoints are quick.
 */
const REFRESH_TIMEOUT_MIN_MS = 30_000;

/** Test-only fault injection: every hook is off unless a test sets it. */
export interface TokenFaultHooks {
  /** Runs when the provider has issued a grant, before it is saved; a throw is a failed save. */
  afterIssued?: (accountId: string, provider: ProviderName) => void | Promise<void>;
}

/** A grant the provider issued, and the stored grant (`version`) it was refreshed from. */
interface Issued {
  grant: TokenGrant;
  version: number;
  provider: ProviderName;
}

/**
 * Provider tokens: encrypted at rest (AES-256-GCM), refreshed before expiry and after a 401, one
 * refresh in flight per account across all workers (a session advisory lock; no transaction or row
 * lock is held while the token endpoint answers), and the new grant saved the moment it arrives,
 * in one short statement. A grant whose save fails (the database away) is kept in memory and
 * offered again: with rotation (Strava) it is the account's only one. A revoked grant marks the
 * account REVOKED (ProviderGrantRevokedError): the engine pauses the account's syncs until the
 * user reconnects.
 */
@Injectable()
export class TokenService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TokenService.name);
  private readonly cipher: TokenCipher;
  private readonly refreshTimeoutMs: number;
  /** A token endpoint that answered 429 is not asked again (by this process) before its reset. */
  private readonly tokenEndpointBlockedUntil = new Map<ProviderName, ProviderRateLimitedError>();
  /** Per account: the save of a grant the provider issued whose first save failed. */
  private readonly unsaved = new Map<string, Promise<string>>();
  /** Per account: when a refresh's answer was lost (the provider may have rotated unseen). */
  private readonly answerLost = new Map<string, Date>();
  /** The token endpoint's part of the retry policy (config/retry-policy.ts). */
  private readonly retry: RetryPolicy['tokenEndpoint'];
  /** Test-only fault injection (off by default). */
  readonly faults: TokenFaultHooks = {};
  /** Where refreshes run and their grants are saved (see TokenRefreshProcess). */
  private readonly refresher: TokenRefreshProcess;

  constructor(
    @InjectDb() private readonly db: Kysely<DB>,
    private readonly accounts: ProviderAccountsRepository,
    private readonly config: AppConfig,
  ) {
    this.cipher = new TokenCipher(config.tokenEncryptionKey);
    this.retry = retryPolicy(config).tokenEndpoint;
    this.refreshTimeoutMs = Math.max(config.providers.requestTimeoutMs, REFRESH_TIMEOUT_MIN_MS);
    this.refresher = new TokenRefreshProcess({
      databaseUrl: () => config.database.url!,
      key: config.tokenEncryptionKey,
      saveSql: SAVE_REFRESHED_SQL,
      saveRetryMs: this.retry.keepIssuedMs,
    });
  }

  /** Workers refresh tokens: their refresh process and its connection are ready before the first chunk. */
  onApplicationBootstrap(): void {
    if (this.config.role.worker) this.refresher.warm();
  }

  onModuleDestroy(): Promise<void> {
    return this.refresher.close();
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
    const kept = await this.keptToken(accountId, failedToken);
    if (kept) return kept;
    const account = await this.accounts.find(accountId);
    if (!account) throw missing();
    if (account.status === 'REVOKED') throw revoked(account.provider, accountId);
    const current = this.cipher.open(account.access_token);
    if (current !== failedToken && fresh(account)) return current;
    return this.refresh(accountId, account.provider, failedToken);
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
      await this.accounts.markRevoked(accountId, undefined, trx);
      this.logger.warn(
        `the ${account.provider} grant of account ${accountId} is gone: its API refuses fresh tokens`,
      );
    });
  }

  /**
   * One refresh per account at a time across every worker: whoever holds the account's refresh
   * lock asks the token endpoint; the others poll until its new token is stored (or give up with
   * a transient error once a refresh would have timed out).
   */
  private async refresh(accountId: string, provider: ProviderName, failedToken?: string): Promise<string> {
    const deadline = Date.now() + this.refreshTimeoutMs + 5_000;
    for (let wait = 50; ; wait = Math.min(wait * 2, 500)) {
      const kept = await this.keptToken(accountId, failedToken);
      if (kept) return kept;
      const lock = await this.accounts.withRefreshLock(accountId, (conn) =>
        this.refreshLocked(conn, accountId, failedToken),
      );
      if (lock.held) return lock.value;
      const account = await this.accounts.find(accountId);
      if (!account) throw missing();
      if (account.status === 'REVOKED') throw revoked(account.provider, accountId);
      const current = this.cipher.open(account.access_token);
      if (current !== failedToken && fresh(account)) return current; // the other refresh is done
      if (Date.now() + wait > deadline)
        throw new ProviderUnavailableError(
          provider,
          `another refresh of account ${accountId} is slow`,
          'token',
        );
      await sleep(wait + Math.floor(Math.random() * wait));
    }
  }

  /**
   * Under the account's refresh lock, on its connection: re-reads the account (another worker may
   * have refreshed it just before), asks the token endpoint and saves what it issued at once (if
   * that connection died meanwhile, keepIssued saves it through the pool). Only an invalid_grant
   * marks the account REVOKED; a 429, 5xx, timeout or a rejection of our own client credentials
   * leaves the grant alone.
   */
  private async refreshLocked(conn: Executor, accountId: string, failedToken?: string): Promise<string> {
    const account = await this.accounts.find(accountId, conn);
    if (!account) throw missing();
    if (account.status === 'REVOKED') throw revoked(account.provider, accountId);
    const current = this.cipher.open(account.access_token);
    if (current !== failedToken && fresh(account)) return current; // another worker refreshed it meanwhile
    if (!account.refresh_token) {
      await this.accounts.markRevoked(accountId, account.token_version, conn);
      throw revoked(account.provider, accountId);
    }
    const blocked = this.tokenEndpointBlockedUntil.get(account.provider);
    if (blocked && blocked.retryAt.getTime() > Date.now()) throw blocked;
    let grant: TokenGrant;
    let saveOutcome: { saved?: boolean; saveError?: string } | undefined;
    try {
      const refreshToken = this.cipher.open(account.refresh_token);
      this.logger.log(`refreshing the ${account.provider} token of account ${accountId}`);
      if (this.faults.afterIssued) {
        grant = await refreshGrant(
          account.provider,
          this.endpoints(account.provider),
          refreshToken,
          this.refreshTimeoutMs,
        );
      } else {
        ({ grant, ...saveOutcome } = await this.refreshInRefreshProcess(account, refreshToken));
      }
    } catch (error) {
      return this.refreshFailed(conn, account, error);
    }
    this.answerLost.delete(accountId);
    const issued: Issued = { grant, version: account.token_version, provider: account.provider };
    if (saveOutcome?.saved) {
      this.logger.log(`refreshed the ${account.provider} token of account ${accountId}`);
      return grant.accessToken;
    }
    if (saveOutcome?.saved === false) return await this.storedToken(accountId, conn); // a reconnect won
    if (saveOutcome?.saveError) return this.keepIssued(accountId, issued, new Error(saveOutcome.saveError));
    try {
      await this.faults.afterIssued?.(accountId, account.provider);
      if (!(await this.accounts.saveRefreshed(accountId, this.seal(grant), issued.version, conn)))
        return await this.storedToken(accountId, conn); // a grant saved meanwhile (a reconnect) wins
      this.logger.debug(`refreshed the ${account.provider} token of account ${accountId}`);
      return grant.accessToken;
    } catch (error) {
      if (error instanceof ProviderGrantRevokedError) throw error;
      return this.keepIssued(accountId, issued, error);
    }
  }

  /** An OAuth provider's token endpoint and credentials (a provider without OAuth has no tokens to refresh). */
  private endpoints(provider: ProviderName): ProviderEndpoints {
    const endpoints = (this.config.providers as Partial<Record<ProviderName, ProviderEndpoints>>)[provider];
    if (!endpoints)
      throw new FatalSyncError('PROVIDER_ACCOUNT_MISSING', `${provider} has no tokens to refresh`);
    return endpoints;
  }

  /**
   * The refresh request in the token refresh process, which saves an issued grant before answering (its
   * save's outcome comes back with it); the answer is read here as postTokenEndpoint reads one.
   */
  private async refreshInRefreshProcess(
    account: ProviderAccount,
    refreshToken: string,
  ): Promise<{ grant: TokenGrant; saved?: boolean; saveError?: string }> {
    const endpoints = this.endpoints(account.provider);
    const answer = await this.refresher.refresh({
      url: endpoints.tokenUrl,
      form: refreshForm(endpoints, refreshToken),
      timeoutMs: this.refreshTimeoutMs,
      accountId: account.id,
      version: account.token_version,
    });
    if (answer.kind === 'unreachable') unreachable(account.provider, answer);
    const grant = toGrant(readTokenAnswer(account.provider, answer, 'refresh'), refreshToken);
    return { grant, saved: answer.saved, saveError: answer.saveError };
  }

  /** What a failed refresh means; throws, or answers a token a racing save stored meanwhile. */
  private async refreshFailed(conn: Executor, account: ProviderAccount, error: unknown): Promise<string> {
    const { provider, id } = account;
    if (error instanceof ProviderRateLimitedError) {
      // spread the waiters over a second past the reset instead of all retrying into it
      const at = new Date(
        error.retryAt.getTime() + Math.floor(Math.random() * this.retry.rateLimitedSpreadMs),
      );
      this.tokenEndpointBlockedUntil.set(
        provider,
        new ProviderRateLimitedError(provider, at, error.message, 'token'),
      );
    }
    if (error instanceof ProviderAppCredentialsError)
      this.logger.error(`${error.message}; every ${provider} sync waits until it is fixed`);
    if (error instanceof TokenAnswerLostError) {
      this.answerLost.set(id, new Date());
      this.logger.warn(
        `the ${provider} token refresh of account ${id} got no readable answer (${error.message}); ` +
          'if the provider rotated the refresh token meanwhile, the grant is lost',
      );
    }
    if (!(error instanceof ProviderGrantRevokedError)) throw error;
    // the refresh token we sent may have been rotated by a refresh whose save is being retried (its
    // database connection died, and our refresh lock with it): that save lands within a second
    await sleep(this.retry.revokeConfirmMs);
    if (!(await this.accounts.markRevoked(id, account.token_version, conn)))
      return this.storedToken(id, conn);
    const lost = this.answerLost.get(id);
    this.logger.warn(
      `the ${provider} grant of account ${id} is gone: ${error.message}` +
        (lost
          ? ` (a refresh at ${lost.toISOString()} lost its answer: likely its rotation, not the user)`
          : ''),
    );
    this.answerLost.delete(id);
    throw new ProviderGrantRevokedError(provider, error.message, 'token', id);
  }

  /** The stored access token, or the revocation the account is in. */
  private async storedToken(accountId: string, executor?: Executor): Promise<string> {
    const account = await this.accounts.find(accountId, executor);
    if (!account) throw missing();
    if (account.status === 'REVOKED') throw revoked(account.provider, accountId);
    return this.cipher.open(account.access_token);
  }

  /** The token of a grant this process holds unsaved (once saved), unless it is `failedToken`. */
  private async keptToken(accountId: string, failedToken?: string): Promise<string | undefined> {
    const saving = this.unsaved.get(accountId);
    if (!saving) return undefined;
    const token = await saving;
    return token === failedToken ? undefined : token;
  }

  /**
   * The provider issued a grant but saving it failed (the database is away, or the commit was
   * lost). With rotation the refresh token we sent is dead, so this grant is the account's only
   * one: it stays in memory and is offered to the database again, with backoff, for minutes; every
   * caller for the account meanwhile waits for it. The save only lands over the grant it was
   * refreshed from, and makes the account ACTIVE again if a refresh that raced ours with the dead
   * refresh token marked it REVOKED (the sweeper then resumes its paused syncs); a grant saved by
   * someone else since (a reconnect) wins over ours.
   */
  private keepIssued(accountId: string, issued: Issued, cause: unknown): Promise<string> {
    let saving = this.unsaved.get(accountId);
    if (!saving) {
      saving = this.saveAgain(accountId, issued, cause).finally(() => this.unsaved.delete(accountId));
      this.unsaved.set(accountId, saving);
    }
    return saving;
  }

  private async saveAgain(accountId: string, issued: Issued, cause: unknown): Promise<string> {
    const { provider } = issued;
    this.logger.warn(
      `the refreshed ${provider} token of account ${accountId} was not saved (${String(cause)}); retrying the save`,
    );
    const deadline = Date.now() + this.retry.keepIssuedMs;
    for (let wait = 100; ; wait = Math.min(wait * 2, 1_000)) {
      await sleep(wait);
      try {
        if (!(await this.accounts.saveRefreshed(accountId, this.seal(issued.grant), issued.version)))
          return await this.storedToken(accountId); // saved by us already (lost commit ack), or a reconnect
        this.logger.log(`saved the refreshed ${provider} token of account ${accountId} on a retry`);
        return issued.grant.accessToken;
      } catch (error) {
        const settled = error instanceof ProviderGrantRevokedError || error instanceof FatalSyncError;
        if (settled) throw error;
        if (Date.now() + wait > deadline) {
          this.logger.error(
            `a refreshed ${provider} token of account ${accountId} could not be saved: it is lost`,
          );
          throw cause;
        }
      }
    }
  }
}

function fresh(account: ProviderAccount): boolean {
  const expiresAt = account.access_token_expires_at?.getTime();
  if (expiresAt === undefined) return true;
  const lifetime = expiresAt - account.updated_at.getTime();
  return expiresAt - Date.now() > Math.min(REFRESH_MARGIN_MS, lifetime / 4);
}

const missing = () =>
  new FatalSyncError('PROVIDER_ACCOUNT_MISSING', 'The provider account of this connection is gone');

const revoked = (provider: ProviderName, accountId: string) =>
  new ProviderGrantRevokedError(
    provider,
    `The ${provider} authorization was revoked; reconnect the account to go on`,
    'token',
    accountId,
  );
