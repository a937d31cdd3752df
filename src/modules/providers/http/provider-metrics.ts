import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsService } from '../../metrics/metrics.service.js';
import type { ProviderError } from '../provider-errors.js';

/** Provider requests by provider and status (429s included), for /metrics. */
@Injectable()
export class ProviderMetrics {
  private readonly requests: Counter<'provider' | 'status'>;
  private readonly rateLimited: Counter<'provider'>;
  private readonly faults: Counter<'provider' | 'endpoint' | 'kind'>;
  private readonly appCredentials: Counter<'provider'>;

  constructor(metrics: MetricsService) {
    this.requests = metrics.counter({
      name: 'syncwell_provider_requests_total',
      help: 'Requests sent to providers, by provider and HTTP status (or network_error / malformed)',
      labelNames: ['provider', 'status'],
    });
    this.rateLimited = metrics.counter({
      name: 'syncwell_provider_429_total',
      help: 'Provider answers 429 Too Many Requests, by provider',
      labelNames: ['provider'],
    });
    this.faults = metrics.counter({
      name: 'syncwell_provider_faults_total',
      help: 'Provider faults that reached a chunk, by provider, endpoint class (token, api) and kind (transient, rate_limited, app_credentials, grant_revoked, permission, auth_rejected)',
      labelNames: ['provider', 'endpoint', 'kind'],
    });
    this.appCredentials = metrics.counter({
      name: 'syncwell_provider_app_credentials_rejected_total',
      help: 'ALERT: a provider refused the service’s own OAuth client credentials (every sync of that provider waits)',
      labelNames: ['provider'],
    });
  }

  /** A provider fault that reached the engine, by what it means (provider-errors.ts). */
  fault(error: ProviderError): void {
    this.faults.inc({ provider: error.provider, endpoint: error.endpoint, kind: error.kind });
    if (error.kind === 'app_credentials') this.appCredentials.inc({ provider: error.provider });
  }

  request(provider: string, status: string): void {
    this.requests.inc({ provider, status });
    if (status === '429') this.rateLimited.inc({ provider });
  }
}
