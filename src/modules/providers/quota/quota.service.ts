import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config.js';
import type { ProviderName } from '../../../database/schema.js';
import { ProviderRateLimitedError } from '../provider-errors.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { QuotaRepository, type BucketUse } from './quota.repository.js';
import { sleep } from '../../../common/sleep.js';

/**
 * Paces provider requests against budgets every worker shares (PostgreSQL), so 429s stay rare:
 * a request takes a unit from each of its buckets before it is sent; when one is spent the caller
 * waits for its window to reset, or, if that is too far off to hold a worker, the chunk is
 * rescheduled for then (ProviderRateLimitedError). Provider headers and 429s correct the counts.
 */
@Injectable()
export class QuotaService {
  private readonly throttled;

  constructor(
    private readonly repository: QuotaRepository,
    private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.throttled = metrics.counter({
      name: 'syncwell_provider_throttled_total',
      help: 'Requests held back by the shared quota budget, by provider and outcome (waited, rescheduled)',
      labelNames: ['provider', 'outcome'],
    });
  }

  /** A bucket of `limit` requests per `windowSeconds` provider-seconds (time-scaled for the simulators). */
  bucket(provider: ProviderName, key: string, limit: number, windowSeconds: number): BucketUse {
    return {
      key,
      provider,
      limit,
      windowMs: Math.max(1, Math.round(windowSeconds * 1000 * this.config.providers.timeScale)),
    };
  }

  async acquire(provider: ProviderName, uses: BucketUse[], signal?: AbortSignal): Promise<void> {
    for (;;) {
      const outcome = await this.repository.acquire(uses);
      if (outcome.ok) return;
      const wait = outcome.retryAt.getTime() - Date.now();
      if (wait > this.config.providers.maxInlineWaitMs) {
        this.throttled.inc({ provider, outcome: 'rescheduled' });
        throw new ProviderRateLimitedError(
          provider,
          outcome.retryAt,
          `${provider} request budget spent until ${outcome.retryAt.toISOString()}`,
          'api',
          outcome.windowMs,
        );
      }
      this.throttled.inc({ provider, outcome: 'waited' });
      await sleep(Math.max(0, wait) + Math.floor(Math.random() * 100), signal);
    }
  }

  /**
   * Provider-reported usage per bucket (entries without a number are ignored), for a request sent
   * at `sentAt`: a bucket whose window turned while it was in flight is left alone (the provider may
   * have counted it in either window, and its usage of the last one is not this one's).
   */
  observe(usage: Array<[BucketUse, number | undefined]>, sentAt?: number): Promise<void> {
    const now = Date.now();
    const known = usage.filter(
      (entry): entry is [BucketUse, number] =>
        Number.isFinite(entry[1]) &&
        (sentAt === undefined ||
          Math.floor(sentAt / entry[0].windowMs) === Math.floor(now / entry[0].windowMs)),
    );
    return known.length ? this.repository.observe(known, now) : Promise.resolve();
  }

  block(uses: BucketUse[], until: Date): Promise<void> {
    return this.repository.block(
      uses.map((u) => u.key),
      until,
    );
  }

  /** When the current window of a bucket ends. */
  windowEnd(use: BucketUse, now = Date.now()): Date {
    return new Date((Math.floor(now / use.windowMs) + 1) * use.windowMs);
  }
}
