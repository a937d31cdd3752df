import { Injectable, type OnModuleInit } from '@nestjs/common';
import { JobsRepository } from '../../jobs/jobs.repository.js';
import { JobsService } from '../../jobs/jobs.service.js';
import { MetricsService } from './metrics.service.js';

/**
 * `syncwell_queue_depth{queue,state}`, counted when Prometheus scrapes (through `JobsRepository`, the
 * one place that reads pg-boss's tables). Here, not in src/jobs/, so the jobs room imports no feature.
 */
@Injectable()
export class QueueDepthMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly repository: JobsRepository,
    private readonly jobs: JobsService,
  ) {}

  onModuleInit(): void {
    const repository = this.repository;
    const names = this.jobs.queueNames;
    this.metrics.gauge({
      name: 'syncwell_queue_depth',
      help: 'Jobs per queue and state (ready, deferred, retry, active), counted at scrape time',
      labelNames: ['queue', 'state'],
      async collect() {
        for (const counts of await repository.queueCounts(names)) {
          for (const state of ['ready', 'deferred', 'retry', 'active'] as const)
            this.set({ queue: counts.name, state }, counts[state]);
        }
      },
    });
  }
}
