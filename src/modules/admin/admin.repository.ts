import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { AppConfig } from '../../config/app-config.js';
import { InjectDb } from '../../database/database.tokens.js';
import type { DB } from '../../database/schema.js';

export interface DeadLetterRow {
  id: string;
  name: string;
  state: string;
  data: Record<string, unknown>;
  source_name: string | null;
  source_id: string | null;
  source_output: { message?: string; code?: string } | null;
  created_on: Date;
  chunk_status: string | null;
  chunk_last_error: unknown;
}

/** Read-only SQL over pg-boss's job table, for operators (fresh counts, dead letters with their chunk). */
@Injectable()
export class AdminRepository {
  constructor(
    @InjectDb() private readonly db: Kysely<DB>,
    private readonly config: AppConfig,
  ) {}

  private get job() {
    return sql.table(`${this.config.jobs.schema}.job`);
  }

  async deadLetters(queues: string[], limit: number, afterId?: string): Promise<DeadLetterRow[]> {
    const after = afterId
      ? sql`AND (j.created_on, j.id) < (SELECT created_on, id FROM ${this.job} WHERE id = ${afterId}::uuid AND name = ANY(${queues}::text[]))`
      : sql``;
    const { rows } = await sql<DeadLetterRow>`
      SELECT j.id, j.name, j.state::text AS state, j.data, j.source_name, j.source_id, j.source_output, j.created_on,
             c.status AS chunk_status, c.last_error AS chunk_last_error
      FROM ${this.job} j
      LEFT JOIN chunks c ON j.name = 'chunk.dead' AND c.id = (j.data->>'chunkId')::uuid
      WHERE j.name = ANY(${queues}::text[]) ${after}
      ORDER BY j.created_on DESC, j.id DESC
      LIMIT ${limit}
    `.execute(this.db);
    return rows;
  }

  /** Dead-lettered chunk jobs whose chunk is still FAILED: what a redrive can run again. */
  async failedChunkDeadLetters(
    limit: number,
    ids?: string[],
  ): Promise<Array<{ id: string; chunk_id: string; orchestration_id: string }>> {
    const filter = ids ? sql`AND j.id = ANY(${ids}::uuid[])` : sql``;
    const { rows } = await sql<{ id: string; chunk_id: string; orchestration_id: string }>`
      SELECT j.id, c.id AS chunk_id, c.orchestration_id
      FROM ${this.job} j
      JOIN chunks c ON c.id = (j.data->>'chunkId')::uuid
      WHERE j.name = 'chunk.dead' AND c.status = 'FAILED' ${filter}
      ORDER BY j.created_on
      LIMIT ${limit}
    `.execute(this.db);
    return rows;
  }

  async deleteJobs(executor: Kysely<DB>, name: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await sql`DELETE FROM ${this.job} WHERE name = ${name} AND id = ANY(${ids}::uuid[])`.execute(executor);
  }
}
