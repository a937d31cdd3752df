import { Injectable } from '@nestjs/common';
import type { Transaction } from 'kysely';
import type { Chunk, DB, Orchestration } from '../../database/schema.js';
import { JobName, type ChunkJobData } from '../../jobs/job-names.js';
import { JobsService } from '../../jobs/jobs.service.js';

type OrchestrationRef = Pick<
  Orchestration,
  'id' | 'user_id' | 'source_provider' | 'destination_provider' | 'kind'
>;

/**
 * pg-boss fetches higher priorities first: a new connection's automatic 7-day sync (the "it works"
 * moment) goes ahead of historical backfills, its own user's included.
 */
const PRIORITY: Record<Orchestration['kind'], number> = { INITIAL_7_DAY: 10, HISTORICAL: 0 };

/**
 * Puts chunks on the chunk queue inside the caller's transaction. Each job's id is the chunk's
 * `job_id`, so a job that is no longer the chunk's current one is recognised as stale and ignored.
 * Jobs are grouped by user, so group concurrency keeps one user from taking every worker, and an
 * automatic 7-day sync's jobs have a higher priority than a backfill's.
 */
@Injectable()
export class ChunkQueue {
  constructor(private readonly jobs: JobsService) {}

  static payload(orchestration: OrchestrationRef, chunk: Chunk): ChunkJobData {
    return {
      chunkId: chunk.id,
      orchestrationId: orchestration.id,
      userId: orchestration.user_id,
      source: orchestration.source_provider,
      destination: orchestration.destination_provider,
      chunkStartDate: chunk.start_date,
      chunkEndDate: chunk.end_date,
    };
  }

  async enqueue(
    trx: Transaction<DB>,
    orchestration: OrchestrationRef,
    chunks: Chunk[],
    options: { startAfter?: Date; retryLimit?: number } = {},
  ): Promise<void> {
    await this.jobs.insert(
      JobName.ChunkProcess,
      chunks.map((chunk) => {
        if (!chunk.job_id) throw new Error(`chunk ${chunk.id} has no job id to enqueue`);
        return {
          id: chunk.job_id,
          data: ChunkQueue.payload(orchestration, chunk),
          group: { id: orchestration.user_id },
          priority: PRIORITY[orchestration.kind] ?? 0,
          ...(options.startAfter ? { startAfter: options.startAfter } : {}),
          ...(options.retryLimit !== undefined ? { retryLimit: options.retryLimit } : {}),
        };
      }),
      trx,
    );
  }

  async cancel(trx: Transaction<DB>, jobIds: string[]): Promise<void> {
    await this.jobs.cancel(JobName.ChunkProcess, jobIds, trx);
  }
}
