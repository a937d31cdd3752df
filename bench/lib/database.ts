import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { EmbeddedDatabase } from '../../src/database/embedded-postgres.js';
import { migrateToLatest } from '../../src/database/migrator.js';

export interface BenchDatabase {
  url: string;
  server: string;
  drop(): Promise<void>;
}

let embedded: { db: EmbeddedDatabase; dir: string } | undefined;

/** The PostgreSQL the benchmarks use: DATABASE_URL's server, or one embedded for the run. */
async function serverUrl(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  if (!embedded) {
    const dir = mkdtempSync(join(tmpdir(), 'syncwell-bench-pg-'));
    chmodSync(dir, 0o755);
    const quiet = { log: () => undefined, debug: () => undefined, warn: (m: string) => console.warn(m) };
    embedded = {
      db: await EmbeddedDatabase.start({ dataDir: dir, port: 54399, database: 'postgres', logger: quiet }),
      dir,
    };
  }
  return embedded.db.url;
}

/** A fresh, migrated database for one benchmark, dropped afterwards. */
export async function freshDatabase(name: string): Promise<BenchDatabase> {
  const server = await serverUrl();
  const database = `syncwell_bench_${name}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${database}`;
  await migrateToLatest(url.toString());
  return {
    url: url.toString(),
    server: new URL(server).host,
    drop: async () => {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function stopEmbedded(): Promise<void> {
  if (!embedded) return;
  await embedded.db.stop();
  rmSync(embedded.dir, { recursive: true, force: true });
  embedded = undefined;
}

export async function databaseBytes(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const { rows } = await c.query('SELECT pg_database_size(current_database())::bigint AS bytes');
  await c.end();
  return Number(rows[0].bytes);
}
