import { Injectable } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { JobsService } from '../../jobs/jobs.service.js';
import { HealthRepository } from './health.repository.js';

/** How long each dependency has to answer the readiness probe. */
const CHECK_TIMEOUT_MS = 3000;

/** Readiness: PostgreSQL answers a query and pg-boss is running, each within 3 s. */
@Injectable()
export class HealthService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly repository: HealthRepository,
    private readonly jobs: JobsService,
  ) {}

  /** The checks' result; throws terminus's 503 (its body names the failed check) when one fails. */
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () =>
        this.indicators
          .check('database')
          .attempt(() => this.repository.ping())
          .withTimeout(CHECK_TIMEOUT_MS),
      () =>
        this.indicators
          .check('queue')
          .attempt(async () => {
            if (!this.jobs.isRunning()) throw new Error('pg-boss is not running');
            await this.jobs.ping();
          })
          .withTimeout(CHECK_TIMEOUT_MS),
    ]);
  }
}
