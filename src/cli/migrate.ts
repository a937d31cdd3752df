import { ConfigError, loadConfig } from '../config/app-config.js';
import { loadDotEnv } from '../config/dotenv.js';
import { EmbeddedDatabase } from '../database/embedded-postgres.js';
import { migrateToLatest } from '../database/migrator.js';

/** `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database. */
async function run(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const embedded = config.database.url
    ? undefined
    : await EmbeddedDatabase.start({
        dataDir: config.dataDir,
        port: config.database.embeddedPort,
        database: 'syncwell',
        logger: { log: console.log, debug: () => undefined, warn: console.warn },
      });
  try {
    const results = await migrateToLatest(config.database.url ?? embedded!.url);
    for (const r of results)
      console.log(`${r.status === 'Success' ? 'applied' : r.status}: ${r.migrationName}`);
    console.log(results.length ? `${results.length} migration(s) applied` : 'Database is up to date');
  } finally {
    await embedded?.stop();
  }
}

run().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError
      ? error.message
      : `Migration failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
