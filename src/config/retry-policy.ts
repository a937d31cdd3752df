import type { AppConfig } from './app-config.js';

/** A delay that doubles per try: `baseMs` × 2^(try-1), at most `maxMs`, the upper half jittered. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/**
 * Every retry rule of the service, as data, in one place (ARCHITECTURE.md, "Retry policy"). Each
 * layer reads its part here; the numbers that operators tune come from the configuration
 * (`.env.example`), the rest are fixed.
 *
 * From the inside out:
 * - `request`: one provider request, inside ProviderHttpClient: a few quick tries for what may pass
 *   in a second (408/5xx, dropped connections, garbled bodies), a token refresh after a 401.
 * - `outage`: the provider is down (provider-health.ts says so): the chunk waits in a new job,
 *   no attempt used, the wait growing with the outage, up to `maxWaitMs`; then attempts count.
 * - `recordFault`: one request keeps failing while the provider answers others: its record is
 *   tried `attempts` times in all, 1×, 3×, 9× `firstRetryMs` apart, then settled FAILED.
 * - `chunk`: any other failure of a chunk run: pg-boss retries the job `retryLimit` times with
 *   exponential backoff (pg-boss adds jitter), then the chunk ends FAILED.
 * - `tokenEndpoint`: a refresh's own rules (the token endpoint's 429 hold, the wait before an
 *   invalid_grant revokes, how long an issued grant whose save failed is offered again).
 * - `notification`: push deliveries, retried by pg-boss.
 */
export interface RetryPolicy {
  request: {
    retries: number;
    backoff: Backoff;
    transientStatus: ReadonlySet<number>;
    refreshesAfter401: number;
  };
  outage: { maxWaitMs: number; minMs: number; maxMs: number; shareOfOutage: number };
  recordFault: { attempts: number; firstRetryMs: number; growth: number };
  /** pg-boss's retries of a chunk job (a job runs at most retryLimit + 1 times). */
  chunk: { retryLimit: number; delaySeconds: number; maxDelaySeconds: number };
  tokenEndpoint: {
    /** A 429 without Retry-After holds the token endpoint this long. */
    rateLimitedDefaultMs: number;
    /** Waiters after a token-endpoint 429 are spread over this much past its reset. */
    rateLimitedSpreadMs: number;
    revokeConfirmMs: number;
    keepIssuedMs: number;
  };
  notification: { retryLimit: number; delaySeconds: number; maxDelaySeconds: number };
}

/** The token endpoint's rules (fixed; also read by the plain functions of tokens/oauth-client.ts). */
export const TOKEN_ENDPOINT_POLICY: RetryPolicy['tokenEndpoint'] = {
  rateLimitedDefaultMs: 30_000,
  rateLimitedSpreadMs: 1_000,
  revokeConfirmMs: 2_000,
  keepIssuedMs: 5 * 60_000,
};

export function retryPolicy(config: AppConfig): RetryPolicy {
  return {
    request: {
      retries: config.providers.transientRetries,
      backoff: { baseMs: 500, maxMs: 8_000 },
      transientStatus: new Set([408, 500, 502, 503, 504]),
      refreshesAfter401: 2,
    },
    outage: { maxWaitMs: config.providers.outageMaxMs, minMs: 2_000, maxMs: 300_000, shareOfOutage: 0.25 },
    recordFault: {
      attempts: config.providers.recordFaults.attempts,
      firstRetryMs: config.providers.recordFaults.firstRetryMs,
      growth: 3,
    },
    chunk: {
      retryLimit: config.jobs.chunkRetryLimit,
      delaySeconds: config.jobs.chunkRetryDelaySeconds,
      maxDelaySeconds: config.jobs.chunkRetryDelayMaxSeconds,
    },
    tokenEndpoint: TOKEN_ENDPOINT_POLICY,
    notification: { retryLimit: 8, delaySeconds: 5, maxDelaySeconds: 1800 },
  };
}

/** The delay before try `attempt` (1 = the first retry) of a {@link Backoff}: its upper half jittered. */
export function backoffMs(backoff: Backoff, attempt: number, random: () => number = Math.random): number {
  const full = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (attempt - 1));
  return full / 2 + random() * (full / 2);
}

/** An outage's next wait: a share of its length so far, within bounds, the upper half jittered. */
export function outageWaitMs(
  policy: RetryPolicy['outage'],
  outageMs: number,
  random: () => number = Math.random,
): number {
  const full = Math.min(policy.maxMs, Math.max(policy.minMs, outageMs * policy.shareOfOutage));
  return full * (0.5 + random() / 2);
}

/** When a record that failed `count` times, last at `lastAt`, is tried again. */
export function recordRetryAt(policy: RetryPolicy['recordFault'], lastAt: number, count: number): number {
  return lastAt + policy.firstRetryMs * policy.growth ** (count - 1);
}
