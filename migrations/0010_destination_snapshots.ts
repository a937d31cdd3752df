import { sql, type Kysely } from 'kysely';

/**
 * Strava economy (issue 28). What a sync's destination already holds over the sync's whole range,
 * listed once per sync (a page per 200 activities) instead of once per chunk, for the duplicate
 * matcher: `activities` is the matcher's facts (`[{ id, kind, start, end, distanceMeters?,
 * utcOffsetSeconds? }]`, epoch ms), `taken_at` when it was listed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('destination_snapshots')
    .addColumn('orchestration_id', 'uuid', (c) =>
      c.primaryKey().references('orchestrations.id').onDelete('cascade'),
    )
    .addColumn('activities', 'jsonb', (c) => c.notNull())
    .addColumn('taken_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('destination_snapshots').execute();
}
