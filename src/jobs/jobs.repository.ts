import { Injectable } from '@nestjs/common';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { AppConfig } from '../config/app-config.js';
import { InjectDb } from '../database/database.tokens.js';
import type { DB } from '../database/schema.js';
import type { Executor } from '../database/transaction.js';

export interface QueueCounts {
  name: string;
  ready: number;
  deferred: number;
  retry: number;
  active: number;
  failed: number;
  completed: number;
  cancelled: number;
}

/**
 * The only SQL against pg-boss's own tables. Other modules see pg-boss jobs through these methods (fresh
 * queue counts, a joinable view of one or more queues' jobs, deleting dead letters), so a pg-boss upgrade
 * that changes its tables touches this folder only.
 */
@Injectable()
export class JobsRepository {
  constructor(
    @InjectDb() private readonly db: Kysely<DB>,
    private readonly config: AppConfig,
  ) {}

  private get job() {
    return sql.table(`${this.config.jobs.schema}.job`);
  }

  /**
   * The jobs of `queues` as a relation to join against (alias it, e.g. `LEFT JOIN ${jobsIn(q)} j ON j.id = …`),
   * with stable columns: `id` (uuid), `name`, `state` (text), `data`, `created_on`, and the dead-letter
   * `source_name`, `source_id`, `source_output`. A plain subquery the planner flattens, so joins and
   * filters on `id`/`name`/`created_on` still use pg-boss's indexes.
   */
  jobsIn(queues: string | string[]): RawBuilder<unknown> {
    const where = typeof queues === 'string' ? sql`name = ${queues}` : sql`name = ANY(${queues}::text[])`;
    return sql`(SELECT id, name, state::text AS state, data, created_on, source_name, source_id, source_output
      FROM ${this.job} WHERE ${where})`;
  }

  /**
   * Takes a job that waits for its retry away from pg-boss (cancels it), only if it still waits:
   * the UPDATE locks the row, so it either goes first (pg-boss's fetch, which skips locked rows,
   * then finds it cancelled) or waits for a fetch that took it and then finds it `active` (false:
   * the retry runs). Inside `executor`'s transaction when it is one.
   */
  async cancelIfRetrying(executor: Executor, name: string, id: string): Promise<boolean> {
    const { rows } = await sql<{ id: string }>`
      UPDATE ${this.job} SET state = 'cancelled', completed_on = now()
      WHERE name = ${name} AND id = ${id}::uuid AND state = 'retry'
      RETURNING id
    `.execute(executor);
    return rows.length > 0;
  }

  /** Deletes jobs of one queue by id; inside `executor`'s transaction when it is one. */
  async deleteJobs(executor: Executor, name: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await sql`DELETE FROM ${this.job} WHERE name = ${name} AND id = ANY(${ids}::uuid[])`.execute(executor);
  }

  /** Fresh counts straight from pg-boss's job table (its own stats are cached for up to a minute). */
  async queueCounts(names: string[]): Promise<QueueCounts[]> {
    const { rows } = await sql<QueueCounts>`
      SELECT name,
        count(*) FILTER (WHERE state = 'created' AND start_after <= now())::int AS ready,
        count(*) FILTER (WHERE state = 'created' AND start_after > now())::int AS deferred,
        count(*) FILTER (WHERE state = 'retry')::int AS retry,
        count(*) FILTER (WHERE state = 'active')::int AS active,
        count(*) FILTER (WHERE state = 'failed')::int AS failed,
        count(*) FILTER (WHERE state = 'completed')::int AS completed,
        count(*) FILTER (WHERE state = 'cancelled')::int AS cancelled
      FROM ${this.job}
      WHERE name = ANY(${names}::text[])
      GROUP BY name
    `.execute(this.db);
    const zero = { ready: 0, deferred: 0, retry: 0, active: 0, failed: 0, completed: 0, cancelled: 0 };
    return names.map((name) => rows.find((r) => r.name === name) ?? { name, ...zero });
  }
}
