import { sql, type Kysely } from 'kysely';

const now = sql`now()`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('entitlements')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('tier', 'text', (c) => c.notNull().check(sql`tier IN ('FREE', 'PRO')`))
    .addColumn('expires_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('provider_accounts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('external_user_id', 'text', (c) => c.notNull())
    .addColumn('access_token', 'bytea', (c) => c.notNull())
    .addColumn('refresh_token', 'bytea')
    .addColumn('access_token_expires_at', 'timestamptz')
    .addColumn('scopes', 'text')
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('ACTIVE')
        .check(sql`status IN ('ACTIVE', 'REVOKED')`),
    )
    .addColumn('token_version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('provider_accounts_user_provider_external', [
      'user_id',
      'provider',
      'external_user_id',
    ])
    .execute();

  await db.schema
    .createTable('connections')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('source_provider', 'text', (c) => c.notNull())
    .addColumn('source_account_id', 'uuid', (c) => c.references('provider_accounts.id'))
    .addColumn('source_external_user_id', 'text', (c) => c.notNull())
    .addColumn('destination_provider', 'text', (c) => c.notNull())
    .addColumn('destination_account_id', 'uuid', (c) => c.references('provider_accounts.id'))
    .addColumn('destination_external_user_id', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull().defaultTo('UTC'))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('ACTIVE')
        .check(sql`status IN ('ACTIVE', 'DELETED')`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('deleted_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('connections_user')
    .on('connections')
    .columns(['user_id', 'created_at', 'id'])
    .execute();

  await db.schema
    .createTable('orchestrations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'uuid', (c) => c.notNull().references('connections.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind IN ('HISTORICAL', 'INITIAL_7_DAY')`))
    .addColumn('source_provider', 'text', (c) => c.notNull())
    .addColumn('destination_provider', 'text', (c) => c.notNull())
    .addColumn('range_preset', 'text', (c) => c.notNull())
    .addColumn('start_date', 'date', (c) => c.notNull())
    .addColumn('end_date', 'date', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`status IN ('PENDING', 'IN_PROGRESS', 'PAUSED', 'COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED')`,
        ),
    )
    .addColumn('total_chunks', 'integer', (c) => c.notNull().check(sql`total_chunks > 0`))
    .addColumn('completed_chunks', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_chunks', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('round', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('estimated_seconds', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('started_at', 'timestamptz')
    .addColumn('round_started_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('completed_at', 'timestamptz')
    .addCheckConstraint(
      'orchestrations_counters',
      sql`completed_chunks >= 0 AND failed_chunks >= 0 AND completed_chunks + failed_chunks <= total_chunks`,
    )
    .execute();
  await db.schema
    .createIndex('orchestrations_user')
    .on('orchestrations')
    .columns(['user_id', 'created_at desc', 'id desc'])
    .execute();
  await db.schema
    .createIndex('orchestrations_connection')
    .on('orchestrations')
    .column('connection_id')
    .execute();
  await db.schema
    .createIndex('orchestrations_one_active_historical')
    .on('orchestrations')
    .column('connection_id')
    .unique()
    .where(sql.ref('kind'), '=', 'HISTORICAL')
    .where(sql.ref('status'), 'in', ['PENDING', 'IN_PROGRESS', 'PAUSED'])
    .execute();
  await db.schema
    .createIndex('orchestrations_active')
    .on('orchestrations')
    .column('status')
    .where(sql.ref('status'), 'in', ['PENDING', 'IN_PROGRESS', 'PAUSED'])
    .execute();

  await db.schema
    .createTable('chunks')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('orchestration_id', 'uuid', (c) =>
      c.notNull().references('orchestrations.id').onDelete('cascade'),
    )
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('start_date', 'date', (c) => c.notNull())
    .addColumn('end_date', 'date', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('PENDING')
        .check(sql`status IN ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('records_read', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('records_written', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('records_skipped', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'jsonb')
    .addColumn('job_id', 'uuid')
    .addColumn('cursor', 'jsonb')
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('chunks_orchestration_idx', ['orchestration_id', 'idx'])
    .execute();
  await db.schema
    .createIndex('chunks_unfinished')
    .on('chunks')
    .column('status')
    .where(sql.ref('status'), 'in', ['PENDING', 'RUNNING'])
    .execute();

  await db.schema
    .createTable('orchestration_completions')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('orchestration_id', 'uuid', (c) =>
      c.notNull().references('orchestrations.id').onDelete('cascade'),
    )
    .addColumn('round', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('total_chunks', 'integer', (c) => c.notNull())
    .addColumn('completed_chunks', 'integer', (c) => c.notNull())
    .addColumn('failed_chunks', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('orchestration_completions_round', ['orchestration_id', 'round'])
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('response_status', 'integer', (c) => c.notNull())
    .addColumn('response_body', 'jsonb', (c) => c.notNull())
    .addColumn('response_headers', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['user_id', 'key'])
    .execute();
  await db.schema
    .createIndex('idempotency_keys_expiry')
    .on('idempotency_keys')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'idempotency_keys',
    'orchestration_completions',
    'chunks',
    'orchestrations',
    'connections',
    'provider_accounts',
    'entitlements',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
