import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { InjectDb } from '../../database/database.tokens.js';
import type { Executor } from '../../database/transaction.js';
import type { DB } from '../../database/schema.js';
import type { Kysely } from 'kysely';

/** Remaining chunks per user (HISTORICAL syncs that are queued or running), as `count` users with `remaining` each. */
export interface RemainingShare {
  remaining: number;
  users: number;
}

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

  /** Stores the chunks' tags (parallel arrays). */
  async setTags(executor: Executor, chunkIds: string[], tags: number[]): Promise<void> {
    if (chunkIds.length === 0) return;
    await sql`
      UPDATE chunks SET fair_tag = t.tag
      FROM unnest(${chunkIds}::uuid[], ${tags}::bigint[]) AS t(id, tag)
      WHERE chunks.id = t.id
    `.execute(executor);
  }

  /**
   * What the queue holds ahead: remaining chunks per user over HISTORICAL syncs that are queued or
   * running (not paused), grouped by how many each user has; and the INITIAL_7_DAY chunks left
   * (they run first). Reads the active orchestrations only (an index), not the chunks.
   */
  async shares(executor: Executor = this.db): Promise<{ shares: RemainingShare[]; initial: number }> {
    const { rows } = await sql<{ remaining: number; users: number; initial: number }>`
      WITH per_user AS (
        SELECT user_id,
          sum(total_chunks - completed_chunks - failed_chunks) FILTER (WHERE kind = 'HISTORICAL')::int AS remaining,
          sum(total_chunks - completed_chunks - failed_chunks) FILTER (WHERE kind <> 'HISTORICAL')::int AS initial
        FROM orchestrations
        WHERE status IN ('PENDING', 'IN_PROGRESS')
        GROUP BY user_id
      )
      SELECT remaining, count(*)::int AS users, 0 AS initial FROM per_user WHERE remaining > 0 GROUP BY remaining
      UNION ALL
      SELECT -1, 0, coalesce(sum(initial), 0)::int FROM per_user
    `.execute(executor);
    const initial = rows.find((r) => r.remaining === -1)?.initial ?? 0;
    return {
      shares: rows.filter((r) => r.remaining > 0).map((r) => ({ remaining: r.remaining, users: r.users })),
      initial: Number(initial),
    };
  }

  /**
   * Chunks completed in the last `seconds` (an index range on recent completions) and how long ago
   * the first of them finished, so a queue younger than the window is not measured as slow.
   */
  async completedSince(
    seconds: number,
    executor: Executor = this.db,
  ): Promise<{ count: number; spanSeconds: number }> {
    const { rows } = await sql<{ n: number; span: number | null }>`
      SELECT count(*)::int AS n, extract(epoch FROM now() - min(finished_at))::float8 AS span FROM chunks
      WHERE status = 'COMPLETED' AND finished_at > now() - make_interval(secs => ${seconds})
    `.execute(executor);
    return { count: rows[0].n, spanSeconds: Number(rows[0].span ?? 0) };
  }
}
