import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { InjectDb } from '../../database/database.tokens.js';
import type { Chunk, ChunkStatus, DB } from '../../database/schema.js';
import type { Executor } from '../../database/transaction.js';
import { JobName } from '../../jobs/job-names.js';
import { JobsRepository } from '../../jobs/jobs.repository.js';

export interface OrphanChunk {
  id: string;
  orchestration_id: string;
  status: ChunkStatus;
  attempts: number;
  job_id: string | null;
  job_state: string | null;
}

/**
 * What the sweeps (engine/sweeper.service.ts) read and repair: chunks whose job was lost or whose
 * run died, chunks left RUNNING by an ended sync, and the per-status counts behind counter repair.
 */
@Injectable()
export class ChunkRepairRepository {
  constructor(
    @InjectDb() private readonly db: Kysely<DB>,
    private readonly jobs: JobsRepository,
  ) {}

  /** Counts per status, for counter repair. */
  async statusCounts(executor: Executor, orchestrationId: string): Promise<Record<ChunkStatus, number>> {
    const rows = await executor
      .selectFrom('chunks')
      .select(['status', sql<number>`count(*)::int`.as('n')])
      .where('orchestration_id', '=', orchestrationId)
      .groupBy('status')
      .execute();
    const result = { PENDING: 0, RUNNING: 0, COMPLETED: 0, FAILED: 0, CANCELLED: 0 };
    for (const row of rows) result[row.status] = row.n;
    return result;
  }

  /** Unfinished chunks (`c`) with their orchestration (`o`) and their chunk job's state (`j`), if any. */
  private unfinishedWithJob() {
    return sql`
      SELECT c.id, c.orchestration_id, c.status, c.attempts, c.job_id, j.state AS job_state
      FROM chunks c
      JOIN orchestrations o ON o.id = c.orchestration_id
      LEFT JOIN ${this.jobs.jobsIn(JobName.ChunkProcess)} j ON j.id = c.job_id
      WHERE c.status IN ('PENDING', 'RUNNING')`;
  }

  /**
   * Unfinished chunks of active orchestrations whose job is gone, finished, or never existed, and
   * untouched for `graceSeconds` (so a transition in flight is not mistaken for a loss); and
   * RUNNING chunks whose run died (its job waits for a retry after its heartbeat lapsed).
   */
  async findOrphans(graceSeconds: number, limit = 500): Promise<OrphanChunk[]> {
    const { rows } = await sql<OrphanChunk>`
      ${this.unfinishedWithJob()}
        AND o.status IN ('PENDING', 'IN_PROGRESS')
        AND (
          (c.updated_at < now() - make_interval(secs => ${graceSeconds})
            AND (j.id IS NULL OR j.state NOT IN ('created', 'retry', 'active')))
          -- a run that died (worker killed, heartbeat lapsed): pg-boss holds its job for a backoff
          -- retry; the chunk gets a new job now instead
          OR (c.status = 'RUNNING' AND j.state = 'retry')
        )
      ORDER BY c.updated_at
      LIMIT ${limit}
    `.execute(this.db);
    return rows;
  }

  /** RUNNING chunks whose orchestration already ended (cancelled or failed) and whose job is gone. */
  async findStrandedRunning(graceSeconds: number, limit = 500): Promise<OrphanChunk[]> {
    const { rows } = await sql<OrphanChunk>`
      ${this.unfinishedWithJob()}
        AND o.status IN ('CANCELLED', 'FAILED', 'COMPLETED', 'COMPLETED_WITH_ERRORS')
        AND c.updated_at < now() - make_interval(secs => ${graceSeconds})
        AND (j.id IS NULL OR j.state NOT IN ('created', 'retry', 'active'))
      LIMIT ${limit}
    `.execute(this.db);
    return rows;
  }

  /**
   * A RUNNING chunk whose job waits for a retry (its run died): the job is cancelled so that only
   * the chunk's new job runs it; false when pg-boss has just started the retry (it runs the chunk).
   */
  takeBackRetryingJob(executor: Executor, jobId: string): Promise<boolean> {
    return this.jobs.cancelIfRetrying(executor, JobName.ChunkProcess, jobId);
  }

  /** Gives an orphaned chunk a new job id (only if it still has the old one). */
  async reassignJob(
    executor: Executor,
    chunkId: string,
    oldJobId: string | null,
  ): Promise<Chunk | undefined> {
    let query = executor
      .updateTable('chunks')
      .set({ status: 'PENDING', job_id: sql`gen_random_uuid()`, updated_at: sql`now()` })
      .where('id', '=', chunkId)
      .where('status', 'in', ['PENDING', 'RUNNING']);
    query = oldJobId === null ? query.where('job_id', 'is', null) : query.where('job_id', '=', oldJobId);
    return query.returningAll().executeTakeFirst();
  }

  async setStatus(
    executor: Executor,
    chunkId: string,
    from: ChunkStatus[],
    to: ChunkStatus,
  ): Promise<boolean> {
    const result = await executor
      .updateTable('chunks')
      .set({ status: to, finished_at: sql`now()`, updated_at: sql`now()` })
      .where('id', '=', chunkId)
      .where('status', 'in', from)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
