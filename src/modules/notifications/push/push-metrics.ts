import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsService } from '../../metrics/metrics.service.js';

@Injectable()
export class PushMetrics {
  private readonly pushes: Counter<'driver' | 'outcome'>;

  constructor(metrics: MetricsService) {
    this.pushes = metrics.counter({
      name: 'syncwell_push_deliveries_total',
      help: 'Push notification sends, by driver and outcome (sent, invalid_token, retry, failed)',
      labelNames: ['driver', 'outcome'],
    });
  }

  sent(driver: string, outcome: string): void {
    this.pushes.inc({ driver, outcome });
  }
}
