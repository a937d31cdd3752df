import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { AppConfig } from '../config/app-config.js';
import { InjectDb } from '../database/database.tokens.js';
import type { DB } from '../database/schema.js';

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

/** Fresh counts straight from pg-boss's job table (its own stats are cached for up to a minute). */
@Injectable()
export class JobsRepository {
  constructor(
    @InjectDb() private readonly db: Kysely<DB>,
    private readonly config: AppConfig,
  ) {}

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
      FROM ${sql.table(`${this.config.jobs.schema}.job`)}
      WHERE name = ANY(${names}::text[])
      GROUP BY name
    `.execute(this.db);
    const zero = { ready: 0, deferred: 0, retry: 0, active: 0, failed: 0, completed: 0, cancelled: 0 };
    return names.map((name) => rows.find((r) => r.name === name) ?? { name, ...zero });
  }
}
