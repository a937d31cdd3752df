import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { getConstructionPlans } from 'pg-boss';
import { migrateToLatest } from '../../src/database/migrator.js';

const TEMPLATE_LOCK = 4_201_766_399;
export const JOBS_SCHEMA = 'pgboss';

function adminUrl(): string {
  const url = process.env.SYNCWELL_TEST_ADMIN_URL;
  if (!url) throw new Error('SYNCWELL_TEST_ADMIN_URL is not set: run the tests through Jest (npm test)');
  return url;
}

function withDatabase(url: string, name: string): string {
  const next = new URL(url);
  next.pathname = `/${name}`;
  return next.toString();
}

function assertTestDatabase(name: string): void {
  if (!/test/i.test(name)) throw new Error(`Refusing to use "${name}": not a test database`);
}

/**
 * A fresh database for one test file: a clone of this run's template, which is created once (under
 * an advisory lock, by whichever test file needs it first) with every migration and pg-boss's schema.
 */
export async function createTestDatabase(): Promise<string> {
  const admin = adminUrl();
  const base = new URL(admin).pathname.slice(1);
  const run = process.env.SYNCWELL_TEST_RUN ?? 'local';
  const template = `${base}_r${run}_template`;
  const name = `${base}_r${run}_${randomBytes(4).toString('hex')}`;
  assertTestDatabase(name);
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${template}"`);
      const templateUrl = withDatabase(admin, template);
      await migrateToLatest(templateUrl);
      const setup = new pg.Client({ connectionString: templateUrl });
      await setup.connect();
      await setup.query(getConstructionPlans(JOBS_SCHEMA));
      await setup.end();
    }
    await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]).catch(() => undefined);
    await client.end();
  }
  return withDatabase(admin, name);
}

/** A database with nothing in it (for migration and startup tests). */
export async function createEmptyTestDatabase(): Promise<string> {
  const admin = adminUrl();
  const base = new URL(admin).pathname.slice(1);
  const name = `${base}_r${process.env.SYNCWELL_TEST_RUN ?? 'local'}_${randomBytes(4).toString('hex')}`;
  assertTestDatabase(name);
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE "${name}"`);
  await client.end();
  return withDatabase(admin, name);
}

export async function dropTestDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  assertTestDatabase(name);
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await client.end();
}
