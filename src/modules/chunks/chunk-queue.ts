import { Injectable } from '@nestjs/common';
import type { Transaction } from 'kysely';
import type { Chunk, DB, Orchestration } from '../../database/schema.js';
import { JobName, type ChunkJobData } from '../../jobs/job-names.js';
import { JobsService } from '../../jobs/jobs.service.js';
import { FairShareRepository } from './fair-share.repository.js';

type OrchestrationRef = Pick<
  Orchestration,
  'id' | 'user_id' | 'source_provider' | 'destination_provider' | 'kind'
>;

/** A new connection's automatic 7-day sync (the "it works" moment) runs ahead of every backfill. */
const INITIAL_PRIORITY = 1_000_000_000;
const MIN_PRIORITY = -2_147_483_647;

/** pg-boss fetches higher priorities first; a HISTORICAL chunk's priority is its negated fair tag. */
function priorityOf(kind: Orchestration['kind'], fairTag: number | null): number {
  if (kind === 'INITIAL_7_DAY') return INITIAL_PRIORITY;
  return Math.max(MIN_PRIORITY, -(fairTag ?? 0));
}

/**
 * Puts chunks on the chunk queue inside the caller's transaction. Each job's id is the chunk's
 * `job_id`, so a job that is no longer the chunk's current one is recognised as stale and ignored.
 *
 * Fair share (issue 15): pg-boss fetches by priority, then age. HISTORICAL chunks get virtual start
 * tags (start-time fair queuing: a user's chunks take consecutive tags from where the user's last
 * one ended, or from the queue's head when the user was idle) and the negated tag as priority, so
 * the workers take the users' chunks round-robin: one user's 60 queued chunks interleave with
 * another's 1 instead of going first. A chunk that goes back on the queue after it ran (quota
 * reschedule, outage wait, a lost job) keeps its tag and so its place; chunks queued again by the
 * user (retry of failed chunks, resume) get new tags at the back of that user's line. An automatic
 * 7-day sync's chunk goes ahead of all of them, in its own group so its user's backfill cannot hold
 * its slot.
 */
@Injectable()
export class ChunkQueue {
  constructor(
    private readonly jobs: JobsService,
    private readonly fairShare: FairShareRepository,
  ) {}

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

  /** The pg-boss group of a sync's jobs: its user's, a separate one for the automatic 7-day sync. */
  private static groupOf(orchestration: Pick<Orchestration, 'user_id' | 'kind'>): string {
    return orchestration.kind === 'INITIAL_7_DAY' ? `${orchestration.user_id}:7d` : orchestration.user_id;
  }

  /**
   * `keepPlace`: the chunks already ran and go back in line where they were (their fair tags kept);
   * otherwise they join the end of their user's line.
   */
  async enqueue(
    trx: Transaction<DB>,
    orchestration: OrchestrationRef,
    chunks: Chunk[],
    options: { startAfter?: Date; retryLimit?: number; keepPlace?: boolean } = {},
  ): Promise<void> {
    const tags = await this.tagsFor(trx, orchestration, chunks, options.keepPlace ?? false);
    await this.jobs.insert(
      JobName.ChunkProcess,
      chunks.map((chunk) => {
        if (!chunk.job_id) throw new Error(`chunk ${chunk.id} has no job id to enqueue`);
        return {
          id: chunk.job_id,
          data: ChunkQueue.payload(orchestration, chunk),
          group: { id: ChunkQueue.groupOf(orchestration) },
          priority: priorityOf(orchestration.kind, tags.get(chunk.id) ?? null),
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

  private async tagsFor(
    trx: Transaction<DB>,
    orchestration: OrchestrationRef,
    chunks: Chunk[],
    keepPlace: boolean,
  ): Promise<Map<string, number>> {
    const tags = new Map<string, number>();
    if (orchestration.kind !== 'HISTORICAL' || chunks.length === 0) return tags;
    const fresh: Chunk[] = [];
    for (const chunk of chunks) {
      if (keepPlace && chunk.fair_tag !== null && chunk.fair_tag !== undefined)
        tags.set(chunk.id, chunk.fair_tag);
      else fresh.push(chunk);
    }
    if (fresh.length > 0) {
      // kept tags are already stored; only the new ones (consecutive, in date order) are written
      fresh.sort((a, b) => a.idx - b.idx);
      const start = await this.fairShare.reserve(trx, orchestration.user_id, fresh.length);
      const newTags = fresh.map((chunk, i) => start + i);
      fresh.forEach((chunk, i) => tags.set(chunk.id, newTags[i]));
      await this.fairShare.setTags(
        trx,
        orchestration.id,
        fresh.map((chunk) => chunk.id),
        newTags,
      );
    }
    return tags;
  }
}
