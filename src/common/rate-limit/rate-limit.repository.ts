import { Injectable } from '@nestjs/common';
import { CompiledQuery, type Kysely } from 'kysely';
import { InjectDb } from '../../database/database.tokens.js';
import type { DB } from '../../database/schema.js';

/** A statement as rate-limiter-flexible sends it (node-postgres style: `$1` placeholders). */
export interface StoreQuery {
  text: string;
  values?: unknown[];
}

/**
 * The `rate_limits` table (migration 0005), laid out and queried by rate-limiter-flexible's PostgreSQL
 * limiter: the library writes the statements, this repository runs them through the service's pool.
 */
@Injectable()
export class RateLimitRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  /** The `storeClient` the library expects: runs one of its statements. */
  async query(q: StoreQuery): Promise<{ rows: unknown[]; rowCount: number }> {
    const result = await this.db.executeQuery(CompiledQuery.raw(q.text, q.values ?? []));
    return { rows: result.rows, rowCount: result.rows.length };
  }
}
