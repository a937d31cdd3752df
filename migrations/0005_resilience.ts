import { sql, type Kysely } from 'kysely';

/**
 * Resilience (issue 13):
 * - a revoked grant pauses instead of failing: `provider_accounts.revoked_at`, the reason an
 *   orchestration is paused (`pause_reason`: USER or REAUTH_REQUIRED), and N-07 notifications that
 *   belong to a connection (not an orchestration), once per revocation (`dedupe_key`);
 * - a chunk waiting out a provider outage remembers since when (`transient_since`), so transient
 *   faults never use its attempts until the outage is longer than the configured bound;
 * - the sync ledger's identity becomes the destination account + source record (its
 *   `idempotency_key`, from recordKey()), whatever connection writes it: rows of the same key are
 *   merged (WRITTEN wins over CLAIMED over SKIPPED) before the key becomes the primary key.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('provider_accounts').addColumn('revoked_at', 'timestamptz').execute();
  await sql`UPDATE provider_accounts SET revoked_at = updated_at WHERE status = 'REVOKED'`.execute(db);

  await db.schema
    .alterTable('orchestrations')
    .addColumn('pause_reason', 'text', (c) => c.check(sql`pause_reason IN ('USER', 'REAUTH_REQUIRED')`))
    .execute();
  await sql`UPDATE orchestrations SET pause_reason = 'USER' WHERE status = 'PAUSED'`.execute(db);

  await db.schema.alterTable('chunks').addColumn('transient_since', 'timestamptz').execute();

  await sql`ALTER TABLE notifications ALTER COLUMN orchestration_id DROP NOT NULL`.execute(db);
  await sql`ALTER TABLE notifications DROP CONSTRAINT notifications_code_check`.execute(db);
  await sql`ALTER TABLE notifications ADD CONSTRAINT notifications_code_check CHECK (code IN ('N-05', 'N-06', 'N-07'))`.execute(
    db,
  );
  await db.schema
    .alterTable('notifications')
    .addColumn('connection_id', 'uuid')
    .addColumn('data', 'jsonb')
    .addColumn('dedupe_key', 'text', (c) => c.unique())
    .execute();

  await sql`
    DELETE FROM sync_ledger l USING (
      SELECT ctid, row_number() OVER (
        PARTITION BY idempotency_key
        ORDER BY CASE status WHEN 'WRITTEN' THEN 0 WHEN 'CLAIMED' THEN 1 ELSE 2 END, updated_at DESC
      ) AS n
      FROM sync_ledger
    ) ranked
    WHERE l.ctid = ranked.ctid AND ranked.n > 1
  `.execute(db);
  await sql`ALTER TABLE sync_ledger DROP CONSTRAINT sync_ledger_pk`.execute(db);
  await sql`ALTER TABLE sync_ledger ADD CONSTRAINT sync_ledger_pk PRIMARY KEY (idempotency_key)`.execute(db);
  await db.schema
    .createIndex('sync_ledger_connection_record')
    .on('sync_ledger')
    .columns(['connection_id', 'source_record_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('sync_ledger_connection_record').execute();
  await sql`ALTER TABLE sync_ledger DROP CONSTRAINT sync_ledger_pk`.execute(db);
  await sql`ALTER TABLE sync_ledger ADD CONSTRAINT sync_ledger_pk PRIMARY KEY (connection_id, source_record_id)`.execute(
    db,
  );
  await sql`DELETE FROM notifications WHERE code = 'N-07'`.execute(db);
  await db.schema
    .alterTable('notifications')
    .dropColumn('dedupe_key')
    .dropColumn('data')
    .dropColumn('connection_id')
    .execute();
  await sql`ALTER TABLE notifications DROP CONSTRAINT notifications_code_check`.execute(db);
  await sql`ALTER TABLE notifications ADD CONSTRAINT notifications_code_check CHECK (code IN ('N-05', 'N-06'))`.execute(
    db,
  );
  await sql`ALTER TABLE notifications ALTER COLUMN orchestration_id SET NOT NULL`.execute(db);
  await db.schema.alterTable('chunks').dropColumn('transient_since').execute();
  await db.schema.alterTable('orchestrations').dropColumn('pause_reason').execute();
  await db.schema.alterTable('provider_accounts').dropColumn('revoked_at').execute();
}
