import { Injectable } from '@nestjs/common';
import type { Orchestration } from '../../../database/schema.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { daysBetween } from '../../../common/civil-date.js';
import { durationSeconds } from './completion.service.js';

/** Range buckets of the completion-time histogram (the PRD tracks 1-year syncs). */
export function rangeBucket(o: Pick<Orchestration, 'start_date' | 'end_date'>): string {
  const days = daysBetween(o.start_date, o.end_date) + 1;
  if (days <= 7) return '7d';
  if (days <= 31) return '30d';
  if (days <= 92) return '90d';
  if (days <= 366) return '1y';
  if (days <= 3 * 366) return '3y';
  return '10y';
}

/** Prometheus metrics of the sync engine, observed after the transactions they describe commit. */
@Injectable()
export class EngineMetrics {
  private readonly syncs;
  private readonly completionSeconds;
  private readonly chunks;
  private readonly chunkSeconds;
  private readonly reschedules;
  readonly sweepActions;

  constructor(metrics: MetricsService) {
    this.syncs = metrics.counter({
      name: 'syncwell_syncs_completed_total',
      help: 'Orchestrations that reached a final status, by kind and outcome',
      labelNames: ['kind', 'outcome'],
    });
    this.completionSeconds = metrics.histogram({
      name: 'syncwell_sync_completion_seconds',
      help: 'Time from request (or retry round) to completion, by range bucket',
      labelNames: ['range', 'kind'],
      buckets: [10, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400],
    });
    this.chunks = metrics.counter({
      name: 'syncwell_chunks_total',
      help: 'Chunk outcomes: completed, failed and cancelled (terminal; they add up to the chunk table), and run outcomes retried (error, attempt used), rescheduled (rate limit), waited (provider or database outage, no attempt used), paused (revoked grant), deferred (user at its concurrency limit)',
      labelNames: ['outcome'],
    });
    this.chunkSeconds = metrics.histogram({
      name: 'syncwell_chunk_duration_seconds',
      help: 'Duration of one chunk run, by outcome',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    });
    this.reschedules = metrics.counter({
      name: 'syncwell_chunk_rate_limited_total',
      help: 'Chunks rescheduled for a provider quota reset, by provider',
      labelNames: ['provider'],
    });
    this.sweepActions = metrics.counter({
      name: 'syncwell_sweep_actions_total',
      help: 'Repairs made by the resumption sweeps, by action',
      labelNames: ['action'],
    });
  }

  chunk(
    outcome:
      | 'completed'
      | 'failed'
      | 'cancelled'
      | 'retried'
      | 'rescheduled'
      | 'waited'
      | 'paused'
      | 'deferred'
      | 'record_fault',
    seconds?: number,
    count = 1,
  ): void {
    if (count <= 0) return;
    this.chunks.inc({ outcome }, count);
    if (seconds !== undefined) this.chunkSeconds.observe({ outcome }, seconds);
  }

  rateLimited(provider: string): void {
    this.reschedules.inc({ provider });
  }

  completed(o: Orchestration | undefined): void {
    if (!o) return;
    this.syncs.inc({ kind: o.kind, outcome: o.status });
    this.completionSeconds.observe({ range: rangeBucket(o), kind: o.kind }, durationSeconds(o));
  }
}
