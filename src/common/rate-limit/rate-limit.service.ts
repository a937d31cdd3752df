import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { AppConfig } from '../../config/app-config.js';
import { RateLimitRepository, type StoreQuery } from './rate-limit.repository.js';

export type RateLimitScope = 'user' | 'ip';

export interface RateLimitOutcome {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (and, when refused, until a request may succeed). */
  resetSeconds: number;
}

/** The `rate_limits` table of migration 0005, as rate-limiter-flexible lays it out. */
const TABLE = 'rate_limits';

/**
 * Per-user and per-IP request budgets (fixed windows), counted in PostgreSQL by
 * rate-limiter-flexible's PostgreSQL limiter, so every API replica shares one count. The library
 * runs its statements through `RateLimitRepository` (the service's Kysely pool). When the database cannot be reached, an
 * in-process limiter with the same budget takes over (the library's insurance limiter), so a
 * database outage neither lifts the limits nor turns every request into an error.
 */
@Injectable()
export class RateLimitService {
  private readonly logger = new Logger('RateLimit');
  private readonly limiters: Partial<Record<RateLimitScope, RateLimiterPostgres>> = {};

  constructor(
    repository: RateLimitRepository,
    private readonly config: AppConfig,
  ) {
    if (!config.rateLimit.enabled) return;
    const storeClient = { query: (q: StoreQuery) => repository.query(q) };
    for (const scope of ['user', 'ip'] as const) {
      const { points, windowSeconds } = config.rateLimit[scope];
      this.limiters[scope] = new RateLimiterPostgres({
        storeClient,
        storeType: 'client',
        tableName: TABLE,
        tableCreated: true,
        clearExpiredByTimeout: true,
        keyPrefix: scope,
        points,
        duration: windowSeconds,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: scope, points, duration: windowSeconds }),
      });
    }
  }

  get enabled(): boolean {
    return this.config.rateLimit.enabled;
  }

  /** Spends one request of `key`'s budget; undefined when rate limiting is off. */
  async consume(scope: RateLimitScope, key: string): Promise<RateLimitOutcome | undefined> {
    const limiter = this.limiters[scope];
    if (!limiter) return undefined;
    const limit = this.config.rateLimit[scope].points;
    // keys fit the table's varchar(255) whatever their length (a user id may be 255 characters)
    const stored = key.length <= 128 ? key : createHash('sha256').update(key).digest('hex');
    try {
      const res = await limiter.consume(stored);
      return { allowed: true, limit, remaining: res.remainingPoints, resetSeconds: seconds(res) };
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        return { allowed: false, limit, remaining: 0, resetSeconds: Math.max(1, seconds(error)) };
      }
      // both the database and the insurance limiter failed: let the request through
      this.logger.warn(`Rate limit not checked: ${(error as Error).message}`);
      return undefined;
    }
  }
}

const seconds = (res: RateLimiterRes) => Math.max(0, Math.ceil(res.msBeforeNext / 1000));
