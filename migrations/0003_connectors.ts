import { sql, type Kysely } from 'kysely';

const now = sql`now()`;

export async function up(db: Kysely<any>): Promise<void> {
  // One row per source record a connection has sent (or tried to send) to its destination: the
  // claim is written before the write, the destination id after it.
  await db.schema
    .createTable('sync_ledger')
    .addColumn('connection_id', 'uuid', (c) => c.notNull().references('connections.id'))
    .addColumn('source_record_id', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('CLAIMED', 'WRITTEN', 'SKIPPED')`))
    .addColumn('destination_id', 'text')
    .addColumn('reason', 'text')
    .addColumn('orchestration_id', 'uuid')
    .addColumn('chunk_id', 'uuid')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('sync_ledger_pk', ['connection_id', 'source_record_id'])
    .execute();
  await db.schema.createIndex('sync_ledger_chunk').on('sync_ledger').column('chunk_id').execute();

  // Provider request budgets, shared by every worker: one row per quota bucket (an application's
  // or a provider user's), with the current window and what it has used.
  await db.schema
    .createTable('provider_quota')
    .addColumn('bucket', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('window_index', 'bigint', (c) => c.notNull())
    .addColumn('used', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('limit_per_window', 'integer', (c) => c.notNull())
    .addColumn('blocked_until', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('provider_quota').execute();
  await db.schema.dropTable('sync_ledger').execute();
}
