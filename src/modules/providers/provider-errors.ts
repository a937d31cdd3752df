import { ProviderFault } from '../../common/errors/provider-fault.js';
import type { ProviderName } from '../../database/schema.js';

/** Which kind of provider endpoint answered, for metrics and messages. */
export type ProviderEndpointClass = 'token' | 'api';

/**
 * What a provider fault means, whichever endpoint (OAuth token endpoint or API) answered it. The
 * engine maps each kind to a chunk outcome once (engine/chunk-outcome.ts) and the HTTP layer maps it
 * to a problem once (common/errors/problem.filter.ts):
 *
 * | kind              | cause                                              | chunk          | HTTP |
 * |-------------------|----------------------------------------------------|----------------|------|
 * | `transient`       | 5xx, 408, timeouts, dropped connections, bad body  | waits, re-runs | 503 PROVIDER_UNAVAILABLE + Retry-After |
 * | `rate_limited`    | 429 / a spent budget, with the reset time          | waits until it | 503 PROVIDER_UNAVAILABLE + Retry-After |
 * | `app_credentials` | invalid_client / unauthorized_client: OUR app      | waits (alert)  | 503 PROVIDER_UNAVAILABLE + Retry-After |
 * | `grant_revoked`   | invalid_grant on refresh, 401 after a fresh token  | sync PAUSED, connection REAUTH_REQUIRED | 422 PROVIDER_AUTH_FAILED |
 * | `auth_rejected`   | an authorization code refused at connect time      | -              | 422 PROVIDER_AUTH_FAILED |
 * | `permission`      | 403: the grant lacks a needed scope                | sync FAILED    | 422 PROVIDER_AUTH_FAILED |
 *
 * Bad data for one record is RecordRejectedError (the record is skipped, the chunk goes on). The kinds
 * and the HTTP mapping's view of a fault (`ProviderFault`) live in common/errors/provider-fault.ts, so
 * common/ imports nothing from here.
 */
export abstract class ProviderError extends ProviderFault {
  /** The chunk's `lastError.code` and the log's name for it. */
  abstract readonly code: string;

  constructor(
    readonly provider: ProviderName,
    message: string,
    readonly endpoint: ProviderEndpointClass = 'api',
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * One request that kept failing (5xx, 408, timeouts, dropped connections, garbled answers) while
 * the same provider answered the other requests it was sent (http/provider-health.ts): the request,
 * not the provider, is the problem. A record's own request gets the record's fault budget.
 */
export interface RequestFault {
  /** `GET /path` (no query: page tokens and filters say nothing to a person). */
  request: string;
  /** The last HTTP status, or null for a timeout or a dropped connection. */
  status: number | null;
}

/**
 * The provider is down, slow or garbled right now; the same request may well work later. With
 * `requestFault` set, the provider answers everything else: the request itself keeps failing.
 */
export class ProviderUnavailableError extends ProviderError {
  readonly kind = 'transient';
  readonly code: string = 'PROVIDER_UNAVAILABLE';

  constructor(
    provider: ProviderName,
    message: string,
    endpoint: ProviderEndpointClass = 'api',
    /** When the provider said to come back (Retry-After on a 503), if it did. */
    override readonly retryAt?: Date,
    readonly requestFault?: RequestFault,
  ) {
    super(provider, message, endpoint);
  }
}

/** A write whose outcome is unknown (timeout, dropped connection): look before writing again. */
export class AmbiguousWriteError extends ProviderUnavailableError {}

/** The provider's quota (or our shared budget of it) is spent until `retryAt`. */
export class ProviderRateLimitedError extends ProviderError {
  readonly kind = 'rate_limited';
  readonly code = 'PROVIDER_RATE_LIMITED';
  /**
   * No attempt of the request (nor of the write it serves) reached the provider, or only to be
   * refused for the quota: whatever it would have written does not exist. Set by the HTTP client
   * (and cleared by a writer whose earlier attempt may have landed); a write's ledger claim is then
   * released, so the rerun writes the record as new instead of looking for it first.
   */
  unsent = false;

  constructor(
    provider: ProviderName,
    override readonly retryAt: Date,
    message = `${provider} rate limit reached; resuming at ${retryAt.toISOString()}`,
    endpoint: ProviderEndpointClass = 'api',
    /** Length of the spent budget window (real ms), when known: waiters are released spread over it. */
    readonly windowMs?: number,
  ) {
    super(provider, message, endpoint);
  }
}

/** The service's own client credentials were refused: an outage for every user, not a user's fault. */
export class ProviderAppCredentialsError extends ProviderError {
  readonly kind = 'app_credentials';
  readonly code = 'PROVIDER_APP_CREDENTIALS_REJECTED';
}

/** This user's grant is gone (revoked at the provider, or expired for good): they must reconnect. */
export class ProviderGrantRevokedError extends ProviderError {
  readonly kind = 'grant_revoked';
  readonly code = 'PROVIDER_AUTH_REVOKED';

  constructor(
    provider: ProviderName,
    message: string,
    endpoint: ProviderEndpointClass = 'api',
    /** The provider account whose grant is gone, when known. */
    readonly accountId?: string,
  ) {
    super(provider, message, endpoint);
  }
}

/** An authorization code was refused at connect time (expired, used, or another redirect URI). */
export class ProviderAuthError extends ProviderError {
  readonly kind = 'auth_rejected';
  readonly code = 'PROVIDER_AUTH_FAILED';
}

/** The grant is valid but lacks a permission this sync needs. */
export class ProviderPermissionDeniedError extends ProviderError {
  readonly kind = 'permission';
  readonly code = 'PROVIDER_PERMISSION_DENIED';
}

/** The moment a Retry-After header (seconds or an HTTP date) points at, if it is usable. */
export function parseRetryAfter(value: string | null, now = Date.now()): Date | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return new Date(now + seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? new Date(Math.max(date, now)) : undefined;
}
