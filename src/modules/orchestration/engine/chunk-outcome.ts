import type { ErrorInfo } from '../../../database/schema.js';
import { isDatabaseUnavailable, isRetryableTransactionError } from '../../../database/database-errors.js';
import {
  ChunkRecordsFailedError,
  FatalSyncError,
  PermanentChunkError,
  RecordsDeferredError,
  toErrorInfo,
} from '../../chunks/chunk-errors.js';
import {
  ProviderError,
  ProviderUnavailableError,
  type ProviderRateLimitedError,
} from '../../providers/provider-errors.js';

/**
 * What a chunk run's failure means for the chunk: the one place that maps the provider error
 * taxonomy (providers/provider-errors.ts) and the engine's own errors to chunk outcomes.
 *
 * - `reschedule`: quota spent until `retryAt`; a new job then, no attempt used;
 * - `wait`: a transient fault (provider outage, our app credentials refused, the database away, a
 *   deadlock); a new job after a backoff, no attempt used, for as long as the outage bound allows;
 * - `defer`: records of the chunk had record faults and wait for another try; a new job at
 *   `retryAt`, no attempt used (the records' own budget bounds it);
 * - `reauth`: the user's grant is gone; the sync pauses (REAUTH_REQUIRED), the chunk stays PENDING;
 * - `fatal`: the whole sync cannot go on (no account, a permission the grant lacks): it ends FAILED;
 * - `permanent`: retrying cannot help; the chunk fails now (dead letter);
 * - `retry`: anything else, and a request that keeps failing while its provider answers others
 *   (not a record's: a list page); pg-boss retries with backoff and the attempt counts.
 */
export type ChunkOutcome =
  | { kind: 'reschedule'; retryAt: Date; windowMs?: number; provider: string; error: ErrorInfo }
  | { kind: 'wait'; retryAt?: Date; alert: boolean; provider?: string; error: ErrorInfo }
  | { kind: 'defer'; retryAt: Date; error: ErrorInfo }
  | { kind: 'reauth'; provider: string; accountId?: string; error: ErrorInfo }
  | { kind: 'fatal'; error: ErrorInfo }
  | { kind: 'permanent'; error: ErrorInfo }
  | { kind: 'retry'; error: ErrorInfo };

const info = (code: string, message: string, retryable = true): ErrorInfo => ({
  code,
  message: message.slice(0, 500),
  retryable,
});

export function chunkOutcomeOf(error: unknown): ChunkOutcome {
  if (error instanceof RecordsDeferredError)
    return { kind: 'defer', retryAt: error.retryAt, error: error.toInfo() };
  if (error instanceof ChunkRecordsFailedError) return { kind: 'permanent', error: error.toInfo() };
  if (error instanceof ProviderUnavailableError && error.requestFault)
    return { kind: 'retry', error: info(error.code, error.message) };
  if (error instanceof ProviderError) {
    const e = info(error.code, error.message);
    switch (error.kind) {
      case 'rate_limited':
        return {
          kind: 'reschedule',
          retryAt: (error as ProviderRateLimitedError).retryAt,
          windowMs: (error as ProviderRateLimitedError).windowMs,
          provider: error.provider,
          error: e,
        };
      case 'transient':
        return {
          kind: 'wait',
          retryAt: (error as { retryAt?: Date }).retryAt,
          alert: false,
          provider: error.provider,
          error: e,
        };
      case 'app_credentials':
        return { kind: 'wait', alert: true, provider: error.provider, error: e };
      case 'grant_revoked':
        return {
          kind: 'reauth',
          provider: error.provider,
          accountId: (error as { accountId?: string }).accountId,
          error: e,
        };
      case 'auth_rejected':
      case 'permission':
        return { kind: 'fatal', error: info(error.code, error.message, false) };
    }
  }
  if (isDatabaseUnavailable(error))
    return { kind: 'wait', alert: false, error: info('SERVICE_UNAVAILABLE', 'the database was unreachable') };
  if (isRetryableTransactionError(error))
    return {
      kind: 'wait',
      alert: false,
      error: info('TRANSACTION_CONFLICT', 'a database conflict; run again'),
    };
  if (error instanceof FatalSyncError) return { kind: 'fatal', error: error.toInfo() };
  if (error instanceof PermanentChunkError) return { kind: 'permanent', error: error.toInfo() };
  return { kind: 'retry', error: toErrorInfo(error) };
}

/** Share of the next window over which waiting backfill chunks are released. */
export const RELEASE_SPREAD = 0.25;
/** A spread for budgets whose window length is unknown (a provider's own 429). */
const DEFAULT_SPREAD_MS = 5_000;
/**
 * Waiters for one reset (seen by this process) at which the spread is the whole quarter; fewer
 * spread over a share of it (4 waiters over 4 %), so a lone user's chunks are not held back for
 * a herd that is not there.
 */
export const FULL_SPREAD_WAITERS = 100;

/**
 * How long after a spent budget's reset a chunk that waited for it is released: an automatic 7-day
 * sync's within half a second (it goes first), a backfill's at a random point in the first quarter
 * of the next window (at most `maxSpreadMs`: after a daily window, a quarter of a short one), so a
 * thousand waiters never wake in the same millisecond and the fair queue's order (pg-boss priority)
 * decides among those that are due. `waiters` (for the same reset, this one included) narrows the
 * spread in proportion below FULL_SPREAD_WAITERS: a few waiters wake together at the reset.
 */
export function releaseDelay(
  kind: 'INITIAL_7_DAY' | 'HISTORICAL',
  outcome: { windowMs?: number },
  random: () => number = Math.random,
  maxSpreadMs = Number.POSITIVE_INFINITY,
  waiters = FULL_SPREAD_WAITERS,
): number {
  if (kind === 'INITIAL_7_DAY') return Math.floor(random() * 500);
  const spread = outcome.windowMs ? outcome.windowMs * RELEASE_SPREAD : DEFAULT_SPREAD_MS;
  const share = Math.min(1, Math.max(1, waiters) / FULL_SPREAD_WAITERS);
  return Math.floor(random() * Math.min(spread, maxSpreadMs) * share);
}
