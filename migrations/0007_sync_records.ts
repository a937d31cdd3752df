import { sql, type Kysely } from 'kysely';

/**
 * The import report: one row per source record an orchestration saw (PENDING until its outcome is
 * known), kept apart from the sync ledger (which is about a destination account, not a sync).
 * Orchestrations get their duplicate policy and the report's counts, which statement-level
 * triggers keep equal to the rows in the same transaction as every insert or status change.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('orchestrations')
    .addColumn('duplicate_policy', 'text', (c) =>
      c
        .notNull()
        .defaultTo('SKIP')
        .check(sql`duplicate_policy IN ('SKIP', 'IMPORT')`),
    )
    .addColumn('records_read', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('records_imported', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('records_skipped', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('records_failed', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('sync_record')
    .addColumn('orchestration_id', 'uuid', (c) =>
      c.notNull().references('orchestrations.id').onDelete('cascade'),
    )
    .addColumn('source_record_id', 'text', (c) => c.notNull())
    .addColumn('chunk_id', 'uuid', (c) => c.notNull())
    // the report's order: the record's start, or its chunk's start when the record has none
    .addColumn('sort_time', 'timestamptz', (c) => c.notNull())
    .addColumn('start_time', 'timestamptz')
    .addColumn('sport_type', 'text')
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('PENDING')
        .check(sql`status IN ('PENDING', 'IMPORTED', 'SKIPPED_DUPLICATE', 'SKIPPED_INVALID', 'FAILED')`),
    )
    .addColumn('reason_code', 'text')
    .addColumn('reason_message', 'text')
    .addColumn('destination_id', 'text')
    .addColumn('duplicate_of_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('sync_record_pkey', ['orchestration_id', 'source_record_id'])
    .execute();
  await db.schema
    .createIndex('sync_record_report_order')
    .on('sync_record')
    .columns(['orchestration_id', 'sort_time', 'source_record_id'])
    .execute();
  await db.schema
    .createIndex('sync_record_chunk')
    .on('sync_record')
    .columns(['chunk_id', 'status'])
    .execute();

  await sql`
    CREATE FUNCTION sync_record_counts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        UPDATE orchestrations o SET
          records_read = o.records_read + d.n,
          records_imported = o.records_imported + d.imported,
          records_skipped = o.records_skipped + d.skipped,
          records_failed = o.records_failed + d.failed
        FROM (
          SELECT orchestration_id, count(*)::int AS n,
            count(*) FILTER (WHERE status = 'IMPORTED')::int AS imported,
            count(*) FILTER (WHERE status IN ('SKIPPED_DUPLICATE', 'SKIPPED_INVALID'))::int AS skipped,
            count(*) FILTER (WHERE status = 'FAILED')::int AS failed
          FROM new_rows GROUP BY orchestration_id
        ) d
        WHERE o.id = d.orchestration_id;
      ELSE
        UPDATE orchestrations o SET
          records_imported = o.records_imported + d.imported,
          records_skipped = o.records_skipped + d.skipped,
          records_failed = o.records_failed + d.failed
        FROM (
          SELECT orchestration_id,
            sum(CASE WHEN status = 'IMPORTED' THEN sign ELSE 0 END)::int AS imported,
            sum(CASE WHEN status IN ('SKIPPED_DUPLICATE', 'SKIPPED_INVALID') THEN sign ELSE 0 END)::int AS skipped,
            sum(CASE WHEN status = 'FAILED' THEN sign ELSE 0 END)::int AS failed
          FROM (
            SELECT orchestration_id, status, 1 AS sign FROM new_rows
            UNION ALL
            SELECT orchestration_id, status, -1 AS sign FROM old_rows
          ) changes
          GROUP BY orchestration_id
        ) d
        WHERE o.id = d.orchestration_id AND (d.imported <> 0 OR d.skipped <> 0 OR d.failed <> 0);
      END IF;
      RETURN NULL;
    END
    $$`.execute(db);
  await sql`
    CREATE TRIGGER sync_record_counts_insert AFTER INSERT ON sync_record
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sync_record_counts()`.execute(db);
  await sql`
    CREATE TRIGGER sync_record_counts_update AFTER UPDATE ON sync_record
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sync_record_counts()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sync_record').ifExists().execute();
  await sql`DROP FUNCTION IF EXISTS sync_record_counts()`.execute(db);
  await db.schema
    .alterTable('orchestrations')
    .dropColumn('duplicate_policy')
    .dropColumn('records_read')
    .dropColumn('records_imported')
    .dropColumn('records_skipped')
    .dropColumn('records_failed')
    .execute();
}
