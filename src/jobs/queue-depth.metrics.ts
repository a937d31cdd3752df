import { Injectable, type OnModuleInit } from '@nestjs/common';
import { MetricsService } from '../modules/metrics/metrics.service.js';
import { JobsRepository } from './jobs.repository.js';
import { JobsService } from './jobs.service.js';

/** `syncwell_queue_depth{queue,state}`, counted when Prometheus scrapes. */
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
