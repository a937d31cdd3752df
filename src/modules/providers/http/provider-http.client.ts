import { Logger } from '@nestjs/common';
import type { ProviderName } from '../../../database/schema.js';
import type { AccountRef } from '../provider-connector.js';
import {
  AmbiguousWriteError,
  parseRetryAfter,
  ProviderGrantRevokedError,
  ProviderPermissionDeniedError,
  ProviderRateLimitedError,
  ProviderUnavailableError,
  type RequestFault,
} from '../provider-errors.js';
import type { BucketUse } from '../quota/quota.repository.js';
import type { QuotaService } from '../quota/quota.service.js';
import type { TokenService } from '../tokens/token.service.js';
import type { ProviderMetrics } from './provider-metrics.js';
import { endpointOf, healthKey, type ProviderHealth } from './provider-health.js';
import { sleep } from '../../../common/sleep.js';
import { backoffMs, type RetryPolicy } from '../../../config/retry-policy.js';

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  form?: FormData;
  /** Reads draw on read quotas; writes on write quotas (provider-specific). */
  kind: 'read' | 'write';
  /** Safe to send again after an ambiguous failure (GETs; writes with an idempotency key). */
  idempotent: boolean;
  responseType?: 'json' | 'text';
  /** The record a write concerns (its idempotency key): tells one record's writes apart for the health rule. */
  recordKey?: string;
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export { AmbiguousWriteError } from '../provider-errors.js';

/** What differs between providers: quota buckets, reading rate-limit headers, the 429 reset time. */
export interface ProviderApiSpec {
  provider: ProviderName;
  baseUrl: () => string;
  buckets(account: AccountRef, kind: ApiRequest['kind']): BucketUse[];
  /** The provider's usage headers; `sentAt`: when the request left (its unit's window). */
  observe(response: Response, buckets: BucketUse[], sentAt: number): Promise<void>;
  retryAt(response: Response, buckets: BucketUse[]): Date;
  /**
   * A cheap read that shows whether the provider answers at all, sent when a request has failed
   * every try and nothing else was sent to the provider lately (provider-health.ts: 'unknown').
   */
  probe?: ApiRequest;
}

export interface HttpOptions {
  timeoutMs: number;
  /** The per-request rules of the retry policy (config/retry-policy.ts). */
  retry: RetryPolicy['request'];
}

/**
 * Every provider request goes through here: a unit from the shared quota budget first, the
 * account's access token (refreshed once after a 401), a timeout, short in-request retries with
 * backoff and jitter for 5xx, dropped connections and malformed bodies, and errors classified for
 * the provider error taxonomy (provider-errors.ts): 429 -> ProviderRateLimitedError (Retry-After or
 * the budget's reset), a 401 right after a refresh -> ProviderGrantRevokedError, 403 ->
 * ProviderPermissionDeniedError, persistent 408/5xx/network trouble -> ProviderUnavailableError
 * (AmbiguousWriteError for a write that may have landed), with `requestFault` set when the provider
 * answers other requests meanwhile (provider-health.ts: this request, not the provider, is the
 * problem). Other 4xx are returned to the caller.
 */
export class ProviderHttpClient {
  private readonly logger: Logger;

  constructor(
    private readonly spec: ProviderApiSpec,
    private readonly tokens: TokenService,
    private readonly quota: QuotaService,
    private readonly metrics: ProviderMetrics,
    private readonly options: HttpOptions,
    private readonly health: ProviderHealth,
  ) {
    this.logger = new Logger(`${spec.provider}-http`);
  }

  async request<T = unknown>(
    account: AccountRef,
    req: ApiRequest,
    signal?: AbortSignal,
    probing = false,
  ): Promise<ApiResponse<T>> {
    const buckets = this.spec.buckets(account, req.kind);
    const key = `${account.id}|${healthKey(req)}`;
    let refreshes = 0;
    let lastProblem = '';
    let lastStatus: number | null = null;
    let retryAfter: Date | undefined;
    let failingSince: number | undefined;
    // a write that may have landed: the caller looks before writing again
    const ambiguous = async () =>
      new AmbiguousWriteError(
        this.spec.provider,
        lastProblem,
        'api',
        undefined,
        await this.requestFault(account, req, lastStatus, failingSince, probing, signal),
      );
    const seen = (answered: boolean) => {
      if (!answered) failingSince ??= Date.now();
      this.health.record(this.spec.provider, endpointOf(req), key, answered);
    };
    // a request lately judged a record fault gets one try: its record's own budget retries it
    const retries =
      probing || this.health.recentlyFaulted(this.spec.provider, key) ? 0 : this.options.retry.retries;
    // whether an attempt reached the provider (and was not refused for its quota): a rate limit
    // before any did means nothing was written
    let reached = false;
    const rateLimited = (error: ProviderRateLimitedError) => Object.assign(error, { unsent: !reached });
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(backoffMs(this.options.retry.backoff, attempt), signal);
      // the token first (a refresh may take a while), then the budget: the request leaves at once,
      // in the window its unit was counted in
      const token = await this.tokens.accessToken(account.id);
      await this.quota.acquire(this.spec.provider, buckets, signal).catch((error: unknown) => {
        throw error instanceof ProviderRateLimitedError ? rateLimited(error) : error;
      });
      const sentAt = Date.now();
      const reachedBefore = reached;
      reached = true;
      let response: Response;
      try {
        response = await fetch(this.url(req), {
          method: req.method,
          headers: {
            Authorization: `Bearer ${token}`,
            Accept: req.responseType === 'text' ? '*/*' : 'application/json',
            ...(req.json !== undefined ? { 'Content-Type': 'application/json' } : {}),
          },
          body: req.form ?? (req.json !== undefined ? JSON.stringify(req.json) : undefined),
          signal: signal
            ? AbortSignal.any([signal, AbortSignal.timeout(this.options.timeoutMs)])
            : AbortSignal.timeout(this.options.timeoutMs),
        });
      } catch (error) {
        if (signal?.aborted) throw error;
        lastProblem = `${req.method} ${req.path}: ${(error as Error).name === 'TimeoutError' ? 'timed out' : (error as Error).message}`;
        lastStatus = null;
        this.metrics.request(this.spec.provider, 'network_error');
        seen(false);
        if (!req.idempotent) throw await ambiguous();
        continue;
      }
      this.metrics.request(this.spec.provider, String(response.status));
      seen(!this.options.retry.transientStatus.has(response.status));
      // bookkeeping of the provider's quota headers never fails the request it accompanies
      await this.spec
        .observe(response, buckets, sentAt)
        .catch((error: unknown) => this.logger.debug(`quota headers not recorded: ${String(error)}`));

      if (response.status === 401) {
        await response.body?.cancel();
        // a 401 means the access token lapsed: refresh and try again. The token endpoint decides
        // whether the grant is gone (invalid_grant); only a 401 that survives two successful
        // refreshes is taken as a revoked grant (a token expiring between refresh and use is not).
        if (refreshes >= this.options.retry.refreshesAfter401) {
          await this.tokens.revokeIfCurrent(account.id, token);
          throw new ProviderGrantRevokedError(
            this.spec.provider,
            `${this.spec.provider} rejected freshly refreshed tokens`,
            'api',
            account.id,
          );
        }
        refreshes++;
        await this.tokens.accessToken(account.id, token);
        attempt--; // a refresh is not a failed attempt
        continue;
      }
      if (response.status === 429) {
        await response.body?.cancel();
        const retryAt =
          parseRetryAfter(response.headers.get('retry-after')) ?? this.spec.retryAt(response, buckets);
        await this.quota
          .block(buckets, retryAt)
          .catch((error: unknown) => this.logger.debug(`quota block not recorded: ${String(error)}`));
        reached = reachedBefore; // refused for the quota, not processed
        throw rateLimited(new ProviderRateLimitedError(this.spec.provider, retryAt));
      }
      if (response.status === 403) {
        const text = await response.text().catch(() => '');
        if (isQuotaDenial(text)) {
          const retryAt =
            parseRetryAfter(response.headers.get('retry-after')) ?? this.spec.retryAt(response, buckets);
          reached = reachedBefore;
          throw rateLimited(new ProviderRateLimitedError(this.spec.provider, retryAt));
        }
        throw new ProviderPermissionDeniedError(
          this.spec.provider,
          `${this.spec.provider} denied access (${text.slice(0, 200)}); reconnect with the needed permissions`,
        );
      }
      if (this.options.retry.transientStatus.has(response.status)) {
        await response.body?.cancel();
        lastProblem = `${req.method} ${req.path}: HTTP ${response.status}`;
        lastStatus = response.status;
        retryAfter = parseRetryAfter(response.headers.get('retry-after'));
        if (!req.idempotent) throw await ambiguous();
        continue;
      }
      const text = await response.text().catch(() => undefined);
      if (text === undefined) {
        lastProblem = `${req.method} ${req.path}: the answer was cut off`;
        lastStatus = response.status;
        seen(false);
        if (!req.idempotent) throw await ambiguous();
        continue;
      }
      if (req.responseType === 'text')
        return { status: response.status, body: text as T, headers: response.headers };
      try {
        return {
          status: response.status,
          body: (text === '' ? null : JSON.parse(text)) as T,
          headers: response.headers,
        };
      } catch {
        lastProblem = `${req.method} ${req.path}: malformed JSON (HTTP ${response.status})`;
        lastStatus = response.status;
        this.metrics.request(this.spec.provider, 'malformed');
        seen(false);
        if (!req.idempotent || response.status >= 300) throw await ambiguous();
      }
    }
    const fault = await this.requestFault(account, req, lastStatus, failingSince, probing, signal);
    this.logger.warn(
      `giving up after ${retries + 1} attempts: ${lastProblem}${fault ? ' (the provider answers other requests)' : ''}`,
    );
    throw new ProviderUnavailableError(this.spec.provider, lastProblem, 'api', retryAfter, fault);
  }

  /**
   * Outage or bad request (provider-health.ts): the fault of this request alone when the provider
   * answered most other requests while this one was failing; with no other request to judge by,
   * one probe decides.
   */
  private async requestFault(
    account: AccountRef,
    req: ApiRequest,
    status: number | null,
    failingSince: number | undefined,
    probing: boolean,
    signal?: AbortSignal,
  ): Promise<RequestFault | undefined> {
    if (probing) return undefined;
    const key = `${account.id}|${healthKey(req)}`;
    const endpoint = endpointOf(req);
    const since = failingSince ?? Date.now();
    let verdict = this.health.verdict(this.spec.provider, endpoint, key, since);
    if (verdict === 'unknown' && this.spec.probe && !signal?.aborted) {
      await this.request(account, this.spec.probe, signal, true).catch(() => undefined);
      verdict = this.health.verdict(this.spec.provider, endpoint, key, since);
    }
    if (verdict !== 'up') return undefined;
    // a record's own request (an id in its path, or a write naming its record) is remembered
    if (req.recordKey !== undefined || endpoint.includes(':id'))
      this.health.markFaulted(this.spec.provider, endpoint, key);
    return { request: `${req.method} ${req.path}`, status };
  }

  private url(req: ApiRequest): string {
    const url = new URL(`${this.spec.baseUrl()}${req.path}`);
    for (const [k, v] of Object.entries(req.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    return url.toString();
  }
}

/**
 * A 403 that is a quota answer, not a permission one: Google's `RATE_LIMIT_EXCEEDED` /
 * `rateLimitExceeded` reasons (older Google APIs answer quota with 403).
 */
function isQuotaDenial(body: string): boolean {
  return /RATE_LIMIT_EXCEEDED|rateLimitExceeded|userRateLimitExceeded|RESOURCE_EXHAUSTED/.test(body);
}
