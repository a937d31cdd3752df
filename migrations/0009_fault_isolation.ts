import type { Kysely } from 'kysely';

/**
 * Fault isolation (issue 25). A record whose own request keeps failing while its provider answers
 * other requests is retried a few times, then settled FAILED: `sync_record.fault_count` counts its
 * failed tries in this round (retry-failed sets it back to 0) and `fault_since` holds the first.
 * `orchestrations.waiting` says why a sync's bar does not move: `{ reason, provider, since,
 * retryAt }` while its next chunk waits for a provider (an outage, a spent quota), else null.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('sync_record')
    .addColumn('fault_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('fault_since', 'timestamptz')
    .execute();
  await db.schema.alterTable('orchestrations').addColumn('waiting', 'jsonb').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('orchestrations').dropColumn('waiting').execute();
  await db.schema.alterTable('sync_record').dropColumn('fault_count').dropColumn('fault_since').execute();
}
