import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsService } from '../../metrics/metrics.service.js';

/** Provider requests by provider and status (429s included), for /metrics. */
@Injectable()
export class ProviderMetrics {
  private readonly requests: Counter<'provider' | 'status'>;
  private readonly rateLimited: Counter<'provider'>;

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
  }

  request(provider: string, status: string): void {
    this.requests.inc({ provider, status });
    if (status === '429') this.rateLimited.inc({ provider });
  }
}
