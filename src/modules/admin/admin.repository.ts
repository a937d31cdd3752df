import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { InjectDb } from '../../database/database.tokens.js';
import type { DB } from '../../database/schema.js';
import { JobName } from '../../jobs/job-names.js';
import { JobsRepository } from '../../jobs/jobs.repository.js';

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

/** Read-only SQL for operators: dead letters (through the jobs module's view of pg-boss) with their chunk. */
@Injectable()
export class AdminRepository {
  constructor(
    @InjectDb() private readonly db: Kysely<DB>,
    private readonly jobs: JobsRepository,
  ) {}

  async deadLetters(queues: string[], limit: number, afterId?: string): Promise<DeadLetterRow[]> {
    const after = afterId
      ? sql`AND (j.created_on, j.id) < (SELECT created_on, id FROM ${this.jobs.jobsIn(queues)} a WHERE a.id = ${afterId}::uuid)`
      : sql``;
    const { rows } = await sql<DeadLetterRow>`
      SELECT j.id, j.name, j.state, j.data, j.source_name, j.source_id, j.source_output, j.created_on,
             c.status AS chunk_status, c.last_error AS chunk_last_error
      FROM ${this.jobs.jobsIn(queues)} j
      LEFT JOIN chunks c ON j.name = ${JobName.ChunkDeadLetter} AND c.id = (j.data->>'chunkId')::uuid
      WHERE true ${after}
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
      FROM ${this.jobs.jobsIn(JobName.ChunkDeadLetter)} j
      JOIN chunks c ON c.id = (j.data->>'chunkId')::uuid
      WHERE c.status = 'FAILED' ${filter}
      ORDER BY j.created_on
      LIMIT ${limit}
    `.execute(this.db);
    return rows;
  }
}
