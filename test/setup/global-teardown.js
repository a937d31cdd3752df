import { rmSync } from 'node:fs';
import pg from 'pg';

/**
 * Drops this run's databases, stops the embedded PostgreSQL if the setup started one, and removes the
 * run's temporary folder (everything the tests wrote under os.tmpdir()).
 */
export default async function globalTeardown() {
  const adminUrl = process.env.SYNCWELL_TEST_ADMIN_URL;
  const run = process.env.SYNCWELL_TEST_RUN;
  if (adminUrl && run) {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      const base = new URL(adminUrl).pathname.slice(1);
      const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
        `${base}\\_r${run}\\_%`,
      ]);
      for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  }
  const started = globalThis.__SYNCWELL_EMBEDDED__;
  if (started) {
    await started.embedded.stop();
    rmSync(started.dataDir, { recursive: true, force: true });
    // as root, a cluster the postgres user could not keep in dataDir lives elsewhere (ROOT_CLUSTER_HOME)
    rmSync(started.embedded.databaseDir, { recursive: true, force: true });
  }
  const temp = globalThis.__SYNCWELL_TMPDIR__;
  if (temp) {
    rmSync(temp.dir, { recursive: true, force: true, maxRetries: 3 });
    if (temp.previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = temp.previous;
  }
}
