import { Injectable } from '@nestjs/common';
import { sql, type Insertable, type Kysely } from 'kysely';
import { InjectDb } from '../../database/database.tokens.js';
import type { AnalyticsEventsTable, DB } from '../../database/schema.js';
import type { Executor } from '../../database/transaction.js';

@Injectable()
export class AnalyticsRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  async insert(events: Array<Insertable<AnalyticsEventsTable>>, executor: Executor = this.db): Promise<void> {
    if (events.length === 0) return;
    await executor.insertInto('analytics_events').values(events).execute();
  }

  /** The PRD's success metrics over [from, to). See AnalyticsService.summary for the definitions. */
  async summary(from: Date, to: Date): Promise<SummaryRows> {
    const inRange = sql`occurred_at >= ${from} AND occurred_at < ${to}`;
    const weeks = await sql<{ week_start: string; count: number }>`
      SELECT to_char(date_trunc('week', occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS week_start, count(*)::int AS count
      FROM analytics_events
      WHERE type = 'SYNC_REQUESTED' AND properties->>'kind' = 'HISTORICAL' AND ${inRange}
      GROUP BY 1 ORDER BY 1
    `.execute(this.db);
    const firstRounds = sql`type = 'SYNC_COMPLETED' AND properties->>'kind' = 'HISTORICAL' AND (properties->>'round')::int = 1 AND ${inRange}`;
    const outcomes = await sql<{ outcome: string; count: number }>`
      SELECT properties->>'outcome' AS outcome, count(*)::int AS count FROM analytics_events WHERE ${firstRounds} GROUP BY 1
    `.execute(this.db);
    const oneYear = await sql<{ count: number; p50: number | null; p90: number | null }>`
      SELECT count(*)::int AS count,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY (properties->>'durationSeconds')::numeric)::float8 AS p50,
             percentile_cont(0.9) WITHIN GROUP (ORDER BY (properties->>'durationSeconds')::numeric)::float8 AS p90
      FROM analytics_events
      WHERE ${firstRounds} AND (properties->>'rangeDays')::int BETWEEN 365 AND 366
        AND properties->>'outcome' IN ('COMPLETED', 'COMPLETED_WITH_ERRORS')
    `.execute(this.db);
    const upsell = await sql<{ shown: number; converted: number }>`
      WITH shown AS (
        SELECT user_id, min(occurred_at) AS first_shown FROM analytics_events WHERE type = 'UPSELL_SHOWN' AND ${inRange} GROUP BY user_id
      )
      SELECT count(*)::int AS shown,
             count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM analytics_events g
               WHERE g.type = 'PRO_GRANTED' AND g.user_id = shown.user_id AND g.occurred_at >= shown.first_shown AND g.occurred_at < ${to}
             ))::int AS converted
      FROM shown
    `.execute(this.db);
    return { weeks: weeks.rows, outcomes: outcomes.rows, oneYear: oneYear.rows[0], upsell: upsell.rows[0] };
  }
}

export interface SummaryRows {
  weeks: Array<{ week_start: string; count: number }>;
  outcomes: Array<{ outcome: string; count: number }>;
  oneYear: { count: number; p50: number | null; p90: number | null };
  upsell: { shown: number; converted: number };
}
