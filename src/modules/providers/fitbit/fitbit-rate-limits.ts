import type { AppConfig } from '../../../config/app-config.js';
import type { ApiRequest, ProviderApiSpec } from '../http/provider-http.client.js';
import type { AccountRef } from '../provider-connector.js';
import type { BucketUse } from '../quota/quota.repository.js';
import type { QuotaService } from '../quota/quota.service.js';

/**
 * Google Health API limits: by default 300 requests / minute per user and 120,000 / minute per project
 * (client); a deployment with a raised quota sets GOOGLE_LIMIT_USER_PER_MINUTE / _PROJECT_PER_MINUTE.
 * Its answers carry no usage headers; a 429's Retry-After (else the user bucket's window end) is the reset.
 */
export class FitbitRateLimits implements ProviderApiSpec {
  readonly provider = 'fitbit' as const;
  /** The identity: answered for any Google Health scope. */
  readonly probe = { method: 'GET', path: '/v4/users/me/identity', kind: 'read', idempotent: true } as const;

  constructor(
    private readonly config: AppConfig,
    private readonly quota: QuotaService,
  ) {}

  baseUrl(): string {
    return this.config.providers.fitbit.apiBaseUrl;
  }

  buckets(account: AccountRef, _kind: ApiRequest['kind']): BucketUse[] {
    const { userPerMinute, projectPerMinute } = this.config.providers.googleLimits;
    return [
      this.quota.bucket('fitbit', `fitbit:user:${account.id}:1m`, userPerMinute, 60),
      this.quota.bucket(
        'fitbit',
        `fitbit:project:${this.config.providers.fitbit.clientId}:1m`,
        projectPerMinute,
        60,
      ),
    ];
  }

  async observe(): Promise<void> {}

  retryAt(response: Response, buckets: BucketUse[]): Date {
    const after = Number(response.headers.get('retry-after'));
    return Number.isFinite(after) && after > 0
      ? new Date(Date.now() + after * 1000)
      : this.quota.windowEnd(buckets[0]);
  }
}
