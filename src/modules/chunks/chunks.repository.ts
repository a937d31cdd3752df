import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { InjectDb } from '../../database/database.tokens.js';
import type { Chunk, ChunkStatus, DB, ErrorInfo, NewChunk, Orchestration } from '../../database/schema.js';
import type { ChunkCounts, ChunkProgress } from './chunk-processor.js';
import type { Executor } from '../../database/transaction.js';

/** A chunk with what its job needs from the orchestration and the connection. */
export interface ChunkContextRow extends Chunk {
  user_id: string;
  orchestration_status: string;
  kind: Orchestration['kind'];
  connection_id: string;
  source_provider: string;
  destination_provider: string;
  timezone: string;
  source_account_id: string | null;
  destination_account_id: string | null;
}

/** The columns of a chunk that fails with `error`. */
const failedWith = (error: ErrorInfo) => ({
  status: 'FAILED' as const,
  last_error: JSON.stringify(error),
  finished_at: sql<Date>`now()`,
  updated_at: sql<Date>`now()`,
});

/**
 * SQL of the `chunks` table for the engine and the user-driven transitions (the sweeps' queries are in
 * chunk-repair.repository.ts, the fair queue's in fair-share.repository.ts). Every state change is
 * guarded by the expected status and job id.
 */
@Injectable()
export class ChunksRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  insertMany(executor: Executor, chunks: NewChunk[]): Promise<Chunk[]> {
    return executor.insertInto('chunks').values(chunks).returningAll().execute();
  }

  /**
   * The chunk's context, taking for the rest of the transaction its orchestration's row lock and
   * the user's concurrency-slot lock (an advisory lock only chunk starts take, always first), so
   * starts of one user's chunks are serialized and the running count read after it is exact.
   */
  lockContext(executor: Executor, chunkId: string): Promise<ChunkContextRow | undefined> {
    return this.contextQuery(executor, chunkId)
      .select(
        sql<string>`pg_advisory_xact_lock(hashtextextended('user-chunks:' || o.user_id, 0))::text`.as(
          'slot_lock',
        ),
      )
      .forUpdate('o')
      .executeTakeFirst() as Promise<ChunkContextRow | undefined>;
  }

  findContext(chunkId: string): Promise<ChunkContextRow | undefined> {
    return this.contextQuery(this.db, chunkId).executeTakeFirst() as Promise<ChunkContextRow | undefined>;
  }

  private contextQuery(executor: Executor, chunkId: string) {
    return executor
      .selectFrom('chunks as c')
      .innerJoin('orchestrations as o', 'o.id', 'c.orchestration_id')
      .innerJoin('connections as n', 'n.id', 'o.connection_id')
      .selectAll('c')
      .select([
        'o.user_id',
        'o.status as orchestration_status',
        'o.kind',
        'o.connection_id',
        'o.source_provider',
        'o.destination_provider',
        'n.timezone',
        'n.source_account_id',
        'n.destination_account_id',
      ])
      .where('c.id', '=', chunkId);
  }

  /**
   * PENDING (or RUNNING again after a crash) -> RUNNING, counting an attempt, and the orchestration
   * PENDING -> IN_PROGRESS if this is its first chunk, in one statement; the caller holds the locks
   * of lockContext. 'busy' when the user already has `userLimit` other chunks running, undefined if
   * the job is stale; `startedKind` is set when the sync started now.
   */
  async startRun(
    executor: Executor,
    chunk: { id: string; orchestrationId: string; userId: string },
    jobId: string,
    userLimit: number,
  ): Promise<{ attempts: number; startedKind: string | null } | 'busy' | undefined> {
    const { rows } = await sql<{ running: number; attempts: number | null; started_kind: string | null }>`
      WITH running AS (
        SELECT count(*)::int AS n FROM chunks
        WHERE status = 'RUNNING' AND id <> ${chunk.id} AND orchestration_id IN (
          SELECT id FROM orchestrations WHERE user_id = ${chunk.userId} AND status IN ('PENDING', 'IN_PROGRESS', 'PAUSED')
        )
      ), c AS (
        UPDATE chunks SET status = 'RUNNING', attempts = attempts + 1, started_at = now(), updated_at = now()
        WHERE id = ${chunk.id} AND job_id = ${jobId} AND status IN ('PENDING', 'RUNNING')
          AND (SELECT n FROM running) < ${userLimit}
        RETURNING attempts
      ), o AS (
        UPDATE orchestrations SET status = 'IN_PROGRESS', started_at = coalesce(started_at, now()), updated_at = now()
        WHERE id = ${chunk.orchestrationId} AND status = 'PENDING' AND EXISTS (SELECT 1 FROM c)
        RETURNING kind
      )
      SELECT running.n AS running, c.attempts, (SELECT kind FROM o) AS started_kind
      FROM running LEFT JOIN c ON true
    `.execute(executor);
    const row = rows[0];
    if (row.attempts !== null) return { attempts: row.attempts, startedKind: row.started_kind };
    return row.running >= userLimit ? 'busy' : undefined;
  }

  async saveProgress(chunkId: string, jobId: string, progress: ChunkProgress): Promise<void> {
    // one statement: the page's counts and cursor, and, a page having gone through, the sync's
    // `waiting` cleared (whatever its bar waited for answered; a no-op while it is null)
    await sql`
      WITH c AS (
        UPDATE chunks SET records_read = ${progress.recordsRead}, records_written = ${progress.recordsWritten},
          records_skipped = ${progress.recordsSkipped}, cursor = ${JSON.stringify(progress.cursor ?? null)}::jsonb,
          transient_since = NULL, updated_at = now()
        WHERE id = ${chunkId} AND job_id = ${jobId} AND status = 'RUNNING'
        RETURNING orchestration_id
      )
      UPDATE orchestrations o SET waiting = NULL, updated_at = now()
      FROM c
      WHERE o.id = c.orchestration_id AND o.waiting IS NOT NULL
    `.execute(this.db);
  }

  /**
   * RUNNING -> COMPLETED and completedChunks + 1 in one statement (the caller holds the
   * orchestration's lock); undefined when this run is stale or the chunk was already counted.
   */
  async completeRun(
    executor: Executor,
    chunkId: string,
    jobId: string,
    orchestrationId: string,
    result: ChunkCounts,
  ): Promise<{ idx: number; orchestration: Orchestration } | undefined> {
    const { rows } = await sql<Orchestration & { chunk_idx: number }>`
      WITH c AS (
        UPDATE chunks SET status = 'COMPLETED', records_read = ${result.recordsRead}, records_written = ${result.recordsWritten},
          records_skipped = ${result.recordsSkipped}, last_error = NULL, cursor = NULL, transient_since = NULL,
          finished_at = now(), updated_at = now()
        WHERE id = ${chunkId} AND job_id = ${jobId} AND status = 'RUNNING'
        RETURNING idx
      )
      UPDATE orchestrations o SET completed_chunks = completed_chunks + 1, waiting = NULL, updated_at = now()
      FROM c
      WHERE o.id = ${orchestrationId}
      RETURNING o.*, c.idx AS chunk_idx
    `.execute(executor);
    if (!rows[0]) return undefined;
    const { chunk_idx: idx, ...orchestration } = rows[0];
    return { idx, orchestration };
  }

  /**
   * Back to PENDING after a run that did not finish: with a new job (rate-limit reschedule, the
   * attempt given back) or waiting for pg-boss to retry the same job (transient error).
   */
  async release(
    executor: Executor,
    chunkId: string,
    jobId: string,
    change: {
      error?: ErrorInfo;
      newJobId?: string;
      giveBackAttempt?: boolean;
      /** No job until the sync is resumed (a revoked grant paused it). */
      detach?: boolean;
      /** Since when it has been waiting out an outage (set while waiting, cleared otherwise). */
      transientSince?: Date | null;
    },
  ): Promise<boolean> {
    const result = await executor
      .updateTable('chunks')
      .set({
        status: 'PENDING',
        ...(change.error ? { last_error: JSON.stringify(change.error) } : {}),
        job_id: change.detach ? null : (change.newJobId ?? jobId),
        attempts: change.giveBackAttempt ? sql`greatest(attempts - 1, 0)` : sql`attempts`,
        ...(change.transientSince !== undefined ? { transient_since: change.transientSince } : {}),
        updated_at: sql`now()`,
      })
      .where('id', '=', chunkId)
      .where('job_id', '=', jobId)
      .where('status', 'in', ['PENDING', 'RUNNING'])
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** PENDING/RUNNING -> FAILED once (when `jobId` is given, only for that job's run). */
  fail(
    executor: Executor,
    chunkId: string,
    jobId: string | null,
    error: ErrorInfo,
  ): Promise<Chunk | undefined> {
    let query = executor
      .updateTable('chunks')
      .set(failedWith(error))
      .where('id', '=', chunkId)
      .where('status', 'in', ['PENDING', 'RUNNING']);
    if (jobId) query = query.where('job_id', '=', jobId);
    return query.returningAll().executeTakeFirst();
  }

  /** Every unfinished chunk of an orchestration -> FAILED (fatal error). Returns how many. */
  async failUnfinished(executor: Executor, orchestrationId: string, error: ErrorInfo): Promise<number> {
    const rows = await executor
      .updateTable('chunks')
      .set(failedWith(error))
      .where('orchestration_id', '=', orchestrationId)
      .where('status', 'in', ['PENDING', 'RUNNING'])
      .returning('id')
      .execute();
    return rows.length;
  }

  /** Clears the job of a chunk that must wait (paused orchestration), so resume enqueues it again. */
  async detachJob(chunkId: string, jobId: string, executor: Executor = this.db): Promise<void> {
    await executor
      .updateTable('chunks')
      .set({ job_id: null, status: 'PENDING', updated_at: sql`now()` })
      .where('id', '=', chunkId)
      .where('job_id', '=', jobId)
      .where('status', 'in', ['PENDING', 'RUNNING'])
      .execute();
  }

  list(
    orchestrationId: string,
    filter: { status?: ChunkStatus; afterIndex?: number; limit?: number },
    executor: Executor = this.db,
  ): Promise<Chunk[]> {
    let query = executor.selectFrom('chunks').selectAll().where('orchestration_id', '=', orchestrationId);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.afterIndex !== undefined) query = query.where('idx', '>', filter.afterIndex);
    if (filter.limit !== undefined) query = query.limit(filter.limit);
    return query.orderBy('idx').execute();
  }

  /** Chunks in `from` status -> PENDING with a fresh job id each; returns them for enqueueing. */
  resetToPending(
    executor: Executor,
    orchestrationId: string,
    from: ChunkStatus[],
    only: { withoutJob?: boolean; ids?: string[]; fromTheStart?: boolean } = {},
  ): Promise<Chunk[]> {
    let query = executor
      .updateTable('chunks')
      .set({
        status: 'PENDING',
        job_id: sql`gen_random_uuid()`,
        // a retried chunk reads its range again: records before its cursor may have been left
        // waiting after a record fault (settled records are not written again)
        ...(only.fromTheStart ? { cursor: null } : {}),
        updated_at: sql`now()`,
      })
      .where('orchestration_id', '=', orchestrationId)
      .where('status', 'in', from);
    if (only.withoutJob) query = query.where('job_id', 'is', null);
    if (only.ids)
      query = query.where('id', 'in', only.ids.length ? only.ids : ['00000000-0000-0000-0000-000000000000']);
    return query.returningAll().execute();
  }

  /** PENDING -> CANCELLED; returns the job ids that must be cancelled with them, and how many chunks. */
  async cancelPending(
    executor: Executor,
    orchestrationId: string,
  ): Promise<{ jobIds: string[]; cancelled: number }> {
    const rows = await executor
      .updateTable('chunks')
      .set({ status: 'CANCELLED', finished_at: sql`now()`, updated_at: sql`now()` })
      .where('orchestration_id', '=', orchestrationId)
      .where('status', '=', 'PENDING')
      .returning('job_id')
      .execute();
    return {
      jobIds: rows.map((r) => r.job_id).filter((id): id is string => id !== null),
      cancelled: rows.length,
    };
  }

  /** Detaches the jobs of PENDING chunks (pause); returns the job ids to cancel. */
  async detachPendingJobs(executor: Executor, orchestrationId: string): Promise<string[]> {
    const rows = await executor
      .selectFrom('chunks')
      .select('job_id')
      .where('orchestration_id', '=', orchestrationId)
      .where('status', '=', 'PENDING')
      .where('job_id', 'is not', null)
      .forUpdate()
      .execute();
    if (rows.length === 0) return [];
    await executor
      .updateTable('chunks')
      .set({ job_id: null, updated_at: sql`now()` })
      .where('orchestration_id', '=', orchestrationId)
      .where('status', '=', 'PENDING')
      .execute();
    return rows.map((r) => r.job_id!);
  }
}
