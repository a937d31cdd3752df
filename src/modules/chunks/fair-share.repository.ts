import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { InjectDb } from '../../database/database.tokens.js';
import type { Executor } from '../../database/transaction.js';
import type { DB } from '../../database/schema.js';
import type { Kysely } from 'kysely';

/**
 * A sync with queued HISTORICAL chunks: the lowest and highest of their tags, the weight of the one
 * holding the highest (see WEIGHT: the lightest, as chunks are whole months from the range's start
 * but the last), and its creation.
 */
export interface QueuedSync {
  id: string;
  lo: number;
  hi: number;
  lastWeight: number;
  createdAt: number;
}

/**
 * What a chunk weighs in the ETA's queue: a HISTORICAL chunk's share of a month (a range's last
 * chunk is often a few days, and costs the provider budgets that much less), at most 1; an
 * automatic 7-day chunk 1 (its own measured kind).
 */
const WEIGHT = sql<number>`(CASE WHEN fair_tag IS NULL THEN 1
  ELSE least(1.0, (end_date - start_date + 1) / 28.0) END)::float8`;

/**
 * The fair queue's bookkeeping (start-time fair queuing, see ChunkQueue): virtual start tags of
 * queued HISTORICAL chunks, each user's next tag, and what the ETA reads about the queue. Every
 * statement is an index lookup or reads only active syncs, never a scan of the chunk queue.
 */
@Injectable()
export class FairShareRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  /**
   * Reserves `count` consecutive tags for the user and returns the first: the user's next tag, or
   * the queue's virtual time when the user is behind it (a user who was idle does not get credit
   * for the time away). The virtual time is the smallest tag still queued, or, with nothing
   * queued, the largest tag handed out. The user's row is locked until the caller commits, so two
   * enqueues of one user never share tags.
   */
  async reserve(executor: Executor, userId: string, count: number): Promise<number> {
    const { rows } = await sql<{ start: number }>`
      WITH head AS (
        SELECT coalesce(
          (SELECT min(fair_tag) FROM chunks
            WHERE status = 'PENDING' AND job_id IS NOT NULL AND fair_tag IS NOT NULL),
          (SELECT max(next_tag) FROM fair_share_users),
          0
        ) AS v
      )
      INSERT INTO fair_share_users AS f (user_id, next_tag)
      VALUES (${userId}, (SELECT v FROM head) + ${count})
      ON CONFLICT (user_id) DO UPDATE
        SET next_tag = greatest(f.next_tag, (SELECT v FROM head)) + ${count}, updated_at = now()
      RETURNING next_tag - ${count} AS start
    `.execute(executor);
    return Number(rows[0].start);
  }

  /** Stores the chunks' tags (parallel arrays) and the sync's last tag. */
  async setTags(
    executor: Executor,
    orchestrationId: string,
    chunkIds: string[],
    tags: number[],
  ): Promise<void> {
    if (chunkIds.length === 0) return;
    await sql`
      UPDATE chunks SET fair_tag = t.tag
      FROM unnest(${chunkIds}::uuid[], ${tags}::bigint[]) AS t(id, tag)
      WHERE chunks.id = t.id
    `.execute(executor);
    const last = Math.max(...tags);
    await executor
      .updateTable('orchestrations')
      .set({ fair_last_tag: sql`greatest(coalesce(fair_last_tag, ${last}), ${last})` })
      .where('id', '=', orchestrationId)
      .execute();
  }

  /**
   * The queue by tag: what the queued HISTORICAL chunks holding each tag weigh (ascending), how many
   * automatic 7-day chunks are left (they go first), and per sync with queued chunks the lowest and
   * highest of their tags and when it was created (ascending: chunks sharing a tag run in the order
   * their jobs were created, their syncs' order). Two aggregates over the queued chunks' partial
   * index, made by the ETA snapshot every few seconds, never per request.
   */
  async queuedByTag(executor: Executor = this.db): Promise<{
    tags: number[];
    counts: number[];
    initial: number;
    syncs: QueuedSync[];
  }> {
    const [byTag, initial, bySync] = await Promise.all([
      sql<{ tag: number; n: number }>`
        SELECT fair_tag AS tag, sum(${WEIGHT}) AS n FROM chunks
        WHERE status = 'PENDING' AND job_id IS NOT NULL AND fair_tag IS NOT NULL
        GROUP BY fair_tag ORDER BY fair_tag
      `.execute(executor),
      sql<{ n: number }>`
        SELECT coalesce(sum(total_chunks - completed_chunks - failed_chunks), 0)::int AS n FROM orchestrations
        WHERE status IN ('PENDING', 'IN_PROGRESS') AND kind = 'INITIAL_7_DAY'
      `.execute(executor),
      sql<{ id: string; lo: string; hi: string; w: number; at: Date }>`
        SELECT q.id, q.lo, q.hi, q.w, o.created_at AS at
        FROM (
          SELECT orchestration_id AS id, min(fair_tag) AS lo, max(fair_tag) AS hi,
            min(${WEIGHT}) AS w
          FROM chunks
          WHERE status = 'PENDING' AND job_id IS NOT NULL AND fair_tag IS NOT NULL
          GROUP BY orchestration_id
        ) q
        JOIN orchestrations o ON o.id = q.id
        ORDER BY o.created_at, o.id
      `.execute(executor),
    ]);
    return {
      tags: byTag.rows.map((r) => Number(r.tag)),
      counts: byTag.rows.map((r) => Number(r.n)),
      initial: initial.rows[0].n,
      syncs: bySync.rows.map((r) => ({
        id: r.id,
        lo: Number(r.lo),
        hi: Number(r.hi),
        lastWeight: Number(r.w),
        createdAt: r.at.getTime(),
      })),
    };
  }

  /**
   * Chunks (of every kind) completed per budget window since `from` (aligned to `windowMs`): each
   * window's index, its count and what they weigh (WEIGHT), when its first and last chunk finished
   * and how long they took on average. An index range on recent completions.
   */
  async completedPerWindow(
    from: Date,
    windowMs: number,
    executor: Executor = this.db,
  ): Promise<
    Array<{ window: number; count: number; units: number; firstAt: number; lastAt: number; meanMs: number }>
  > {
    const { rows } = await sql<{
      w: number;
      n: number;
      units: number;
      first_at: Date;
      last_at: Date;
      mean_ms: number | null;
    }>`
      SELECT floor(extract(epoch FROM finished_at) * 1000 / ${windowMs})::bigint AS w,
        count(*)::int AS n, sum(${WEIGHT}) AS units, min(finished_at) AS first_at, max(finished_at) AS last_at,
        avg(extract(epoch FROM finished_at - started_at) * 1000)::float8 AS mean_ms
      FROM chunks
      WHERE status = 'COMPLETED' AND finished_at >= ${from}
      GROUP BY 1
    `.execute(executor);
    return rows.map((r) => ({
      window: Number(r.w),
      count: r.n,
      units: Number(r.units),
      firstAt: r.first_at.getTime(),
      lastAt: r.last_at.getTime(),
      meanMs: Number(r.mean_ms ?? 0),
    }));
  }

  /**
   * HISTORICAL chunks running now, per sync: how many, when the last one started and how many of
   * the sync's chunks had ended then (one statement, so both as of the same moment; a range of the
   * unfinished chunks' index on its RUNNING key: as many rows as there are worker slots).
   */
  async running(
    executor: Executor = this.db,
  ): Promise<Array<{ id: string; count: number; lastStartedAt: number; ended: number }>> {
    const { rows } = await sql<{ id: string; n: number; last: Date | null; ended: number }>`
      SELECT c.orchestration_id AS id, count(*)::int AS n, max(c.started_at) AS last,
        (o.completed_chunks + o.failed_chunks)::int AS ended
      FROM chunks c JOIN orchestrations o ON o.id = c.orchestration_id
      WHERE c.status = 'RUNNING' AND c.fair_tag IS NOT NULL
      GROUP BY c.orchestration_id, o.completed_chunks, o.failed_chunks
    `.execute(executor);
    return rows.map((r) => ({
      id: r.id,
      count: r.n,
      lastStartedAt: r.last?.getTime() ?? Date.now(),
      ended: r.ended,
    }));
  }

  /**
   * Chunks of automatic 7-day syncs created since `from`, and since the later `recent` (one index
   * range on their creation time).
   */
  async initialChunksSince(
    from: Date,
    recent: Date,
    executor: Executor = this.db,
  ): Promise<[number, number]> {
    const { rows } = await sql<{ total: number; recent: number }>`
      SELECT coalesce(sum(total_chunks), 0)::int AS total,
        coalesce(sum(total_chunks) FILTER (WHERE created_at >= ${recent}), 0)::int AS recent
      FROM orchestrations
      WHERE kind = 'INITIAL_7_DAY' AND created_at >= ${from}
    `.execute(executor);
    return [rows[0].total, rows[0].recent];
  }
}
