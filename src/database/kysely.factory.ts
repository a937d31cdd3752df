import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { DB } from './schema.js';

const { types } = pg;

/**
 * Type parsers for this service's own pool only (pg-boss keeps the driver defaults): int8 and
 * numeric become numbers (every count and amount here is far below 2^53), `date` stays the civil
 * 'YYYY-MM-DD' string it is (the driver's default turns it into a local-midnight Date), and
 * timestamptz is parsed to a Date.
 */
const parsers: Record<number, (value: string) => unknown> = {
  [types.builtins.INT8]: (value) => Number(value),
  [types.builtins.NUMERIC]: (value) => Number(value),
  [types.builtins.DATE]: (value) => value,
  [types.builtins.TIMESTAMPTZ]: (value) => new Date(value),
};

export const typeOverrides = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    return (parsers[oid] as ((value: string) => unknown) | undefined) ?? types.getTypeParser(oid, format);
  },
} as unknown as pg.CustomTypesConfig;

export function createPool(connectionString: string, max: number, applicationName = 'syncwell'): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    types: typeOverrides,
    application_name: applicationName,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
  // A client losing its connection (database restart, failover) must not crash the process: the
  // pool hears idle clients, and a client it has lent out has no listener of its own (pg-pool
  // removes its listener on checkout), so every client gets one for its whole life. The statement
  // in flight rejects with the same error, and the pool discards the broken client on release.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

export function createKysely(connectionString: string, max: number, applicationName?: string): Kysely<DB> {
  return new Kysely<DB>({
    dialect: new PostgresDialect({ pool: createPool(connectionString, max, applicationName) }),
  });
}
