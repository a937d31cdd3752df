import { sql, type Kysely } from 'kysely';

/**
 * Export archives as a source (issue 27). `archives`: one uploaded export file of a user (tus upload,
 * then one scan): its upload and scan progress, what the scan found (`format`, `sessions_found`,
 * `first_date`/`last_date` as the athlete's civil dates, the first 100 `problems`), and when it is
 * deleted (`expires_at`, pushed out when a sync over it ends; `deleted_at` once its file and
 * sessions are gone). `archive_sessions`: the scan's index, one row per workout: its content-derived
 * id, the entry it came from, its start and its date on the athlete's clock, and the session itself (gzipped JSON) or why it is none.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('archives')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('uploaded_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('format', 'text')
    .addColumn('sessions_found', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('first_date', 'date')
    .addColumn('last_date', 'date')
    .addColumn('problems', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('deleted_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('archives_user_created')
    .on('archives')
    .columns(['user_id', 'created_at', 'id'])
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();
  await db.schema.createIndex('archives_expiry').on('archives').column('expires_at').execute();
  await db.schema
    .createTable('archive_sessions')
    .addColumn('archive_id', 'uuid', (c) => c.notNull().references('archives.id').onDelete('cascade'))
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('entry', 'text', (c) => c.notNull())
    .addColumn('start_time', 'timestamptz')
    .addColumn('local_date', 'date')
    .addColumn('session', 'bytea')
    .addColumn('invalid', 'text')
    .addPrimaryKeyConstraint('archive_sessions_pkey', ['archive_id', 'record_id'])
    .execute();
  await db.schema
    .createIndex('archive_sessions_start')
    .on('archive_sessions')
    .columns(['archive_id', 'start_time', 'record_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('archive_sessions').execute();
  await db.schema.dropTable('archives').execute();
}
