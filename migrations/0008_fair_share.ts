import { sql, type Kysely } from 'kysely';

/**
 * Fair sharing of the provider budgets across users (start-time fair queuing over pg-boss's
 * priority order). Every queued HISTORICAL chunk gets a virtual start tag: its user's next tag,
 * or the queue's head tag when the user is behind it; the chunk's job priority is the negated
 * tag, so pg-boss fetches the users' chunks round-robin. `fair_share_users.next_tag` is where a
 * user's next chunk starts. Index-only lookups keep the tag assignment O(log n) in queue length;
 * the finished-at index lets the ETA measure the recent chunk rate without a scan.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('chunks').addColumn('fair_tag', 'bigint').execute();
  // the last tag handed to the sync's chunks: where its last chunk stands in the queue (the ETA)
  await db.schema.alterTable('orchestrations').addColumn('fair_last_tag', 'bigint').execute();
  await db.schema
    .createIndex('chunks_fair_queue')
    .on('chunks')
    .column('fair_tag')
    .where(sql<boolean>`status = 'PENDING' AND job_id IS NOT NULL AND fair_tag IS NOT NULL`)
    .execute();
  await db.schema
    .createIndex('chunks_completed_recent')
    .on('chunks')
    .column('finished_at')
    .where(sql<boolean>`status = 'COMPLETED'`)
    .execute();

  // new connections' automatic 7-day syncs (they go first): how many arrive per window, for the ETA
  await db.schema
    .createIndex('orchestrations_initial_created')
    .on('orchestrations')
    .column('created_at')
    .where(sql<boolean>`kind = 'INITIAL_7_DAY'`)
    .execute();

  await db.schema
    .createTable('fair_share_users')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('next_tag', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('fair_share_users_next_tag')
    .on('fair_share_users')
    .column('next_tag')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('fair_share_users').execute();
  await db.schema.dropIndex('orchestrations_initial_created').execute();
  await db.schema.dropIndex('chunks_completed_recent').execute();
  await db.schema.dropIndex('chunks_fair_queue').execute();
  await db.schema.alterTable('chunks').dropColumn('fair_tag').execute();
  await db.schema.alterTable('orchestrations').dropColumn('fair_last_tag').execute();
}
