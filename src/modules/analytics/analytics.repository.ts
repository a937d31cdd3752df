import { Injectable } from '@nestjs/common';
import type { Insertable, Kysely } from 'kysely';
import { InjectDb } from '../../database/database.tokens.js';
import type { AnalyticsEventsTable, DB } from '../../database/schema.js';

@Injectable()
export class AnalyticsRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  async insert(
    events: Array<Insertable<AnalyticsEventsTable>>,
    executor: Kysely<DB> = this.db,
  ): Promise<void> {
    if (events.length === 0) return;
    await executor.insertInto('analytics_events').values(events).execute();
  }
}
