import pg from 'pg';
import { Migrator, type MigrationResult } from 'kysely/migration';
import { migrations } from '../../migrations/index.js';
import { createKysely } from './kysely.factory.js';

/** Advisory lock key held while migrating, so replicas that start together migrate once. */
export const MIGRATION_LOCK_KEY = 4_201_766_310;

/**
 * Applies every pending migration under a session-level advisory lock. A second process waits for
 * the lock, then finds nothing left to do.
 */
export async function migrateToLatest(connectionString: string): Promise<MigrationResult[]> {
  const client = new pg.Client({ connectionString, application_name: 'syncwell-migrate' });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const db = createKysely(connectionString, 2, 'syncwell-migrate');
    try {
      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
      const { error, results } = await migrator.migrateToLatest();
      if (error) throw error instanceof Error ? error : new Error(String(error));
      return results ?? [];
    } finally {
      await db.destroy();
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}
