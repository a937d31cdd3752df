import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { InjectDb } from '../../database/database.tokens.js';
import type { DB } from '../../database/schema.js';

/** The readiness probe's one query. */
@Injectable()
export class HealthRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  /** Resolves when PostgreSQL answers a query. */
  async ping(): Promise<void> {
    await sql`SELECT 1`.execute(this.db);
  }
}
