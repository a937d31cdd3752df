import type { AppConfig } from '../../../config/app-config.js';
import type { ApiRequest, ProviderApiSpec } from '../http/provider-http.client.js';
import type { AccountRef } from '../provider-connector.js';
import type { BucketUse } from '../quota/quota.repository.js';
import type { QuotaService } from '../quota/quota.service.js';

/**
 * Strava's limits are per application: by default overall 200 / 15 min and 2,000 / day; reads 100 /
 * 15 min and 1,000 / day (uploads and activity creation draw on the overall limit only); a deployment
 * with raised limits sets STRAVA_LIMIT_* / STRAVA_READ_LIMIT_*. The
 * X-RateLimit-Usage and X-ReadRateLimit-Usage headers correct the shared counts; a 429 blocks the
 * spent window until it resets (:00/:15/:30/:45, or midnight UTC for the daily one).
 */
export class StravaRateLimits implements ProviderApiSpec {
  readonly provider = 'strava' as const;
  /** The athlete: one read, answered whatever the account holds. */
  readonly probe = { method: 'GET', path: '/athlete', kind: 'read', idempotent: true } as const;

  constructor(
    private readonly config: AppConfig,
    private readonly quota: QuotaService,
  ) {}

  baseUrl(): string {
    return this.config.providers.strava.apiBaseUrl;
  }

  private all(): Record<'overall15' | 'overallDay' | 'read15' | 'readDay', BucketUse> {
    const app = `strava:app:${this.config.providers.strava.clientId}`;
    const { overall, read } = this.config.providers.stravaLimits;
    return {
      overall15: this.quota.bucket('strava', `${app}:overall:15m`, overall[0], 900),
      overallDay: this.quota.bucket('strava', `${app}:overall:day`, overall[1], 86_400),
      read15: this.quota.bucket('strava', `${app}:read:15m`, read[0], 900),
      readDay: this.quota.bucket('strava', `${app}:read:day`, read[1], 86_400),
    };
  }

  buckets(_account: AccountRef, kind: ApiRequest['kind']): BucketUse[] {
    const b = this.all();
    return kind === 'read' ? [b.overall15, b.overallDay, b.read15, b.readDay] : [b.overall15, b.overallDay];
  }

  async observe(response: Response, _buckets: BucketUse[], sentAt: number): Promise<void> {
    const b = this.all();
    const usage = (header: string) => response.headers.get(header)?.split(',').map(Number) ?? [];
    const [overall15, overallDay] = usage('x-ratelimit-usage');
    const [read15, readDay] = usage('x-readratelimit-usage');
    await this.quota.observe(
      [
        [b.overall15, overall15],
        [b.overallDay, overallDay],
        [b.read15, read15],
        [b.readDay, readDay],
      ],
      sentAt,
    );
  }

  retryAt(response: Response, buckets: BucketUse[]): Date {
    const [, overallDay] = response.headers.get('x-ratelimit-usage')?.split(',').map(Number) ?? [];
    const [, readDay] = response.headers.get('x-readratelimit-usage')?.split(',').map(Number) ?? [];
    const b = this.all();
    const isRead = buckets.some((bucket) => bucket.key === b.readDay.key);
    const { overall, read } = this.config.providers.stravaLimits;
    const dailySpent = overallDay >= overall[1] || (isRead && readDay >= read[1]);
    return this.quota.windowEnd(dailySpent ? b.overallDay : b.overall15);
  }
}
