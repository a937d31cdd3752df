import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { EmbeddedDatabase } from '../src/database/embedded-postgres.js';
import { migrateToLatest } from '../src/database/migrator.js';
import { createTestApp, eventually, type TestApp } from './support/app.js';
import { createConnection, grantPro } from './support/fixtures.js';
import { TestConnector } from './support/test-connector.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const quiet = { log: () => undefined, debug: () => undefined, warn: () => undefined };

/**
 * PostgreSQL stops and starts again under a running service (its own server here, so it can be
 * restarted): the process stays up, database-backed routes answer 503 SERVICE_UNAVAILABLE with
 * Retry-After while it is down, and after it is back the sync completes with exact counters.
 */
describe('a PostgreSQL restart under a running service', () => {
  let dataDir: string;
  let port: number;
  let database: EmbeddedDatabase;
  let t: TestApp;
  const connector = new TestConnector();
  connector.defaultBehavior = { kind: 'ok', delayMs: 400 };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'syncwell-test-outage-'));
    chmodSync(dataDir, 0o755); // as root, the server runs as the postgres user, which must enter it
    port = await freePort();
    database = await EmbeddedDatabase.start({ dataDir, port, database: 'outage_test', logger: quiet });
    await migrateToLatest(database.url);
    t = await createTestApp({
      databaseUrl: database.url,
      connector,
      env: { CHUNK_USER_CONCURRENCY: '2', CHUNK_WORKER_CONCURRENCY: '2', SWEEP_INTERVAL_SECONDS: '2' },
    });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await database?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps serving: 503 with Retry-After during the outage, the sync completes after it', async () => {
    await grantPro(t, 'olga');
    const connection = await createConnection(t, 'olga');
    const created = await request(t.http)
      .post(`/v1/connections/${connection.id}/historical-syncs`)
      .set('Authorization', `Bearer ${t.token('olga')}`)
      .set('Idempotency-Key', 'outage-1')
      .send({ range: { preset: 'CUSTOM', startDate: '2024-01-01', endDate: '2024-12-31' } })
      .expect(202);
    const id = created.body.orchestrationId as string;
    await eventually(async () => connector.calls.length >= 2, 30_000, 'chunks to start');

    await database.stop();
    const during = await request(t.http)
      .get(`/v1/orchestrations/${id}`)
      .set('Authorization', `Bearer ${t.token('olga')}`);
    expect(during.status).toBe(503);
    expect(during.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(during.headers['retry-after']).toMatch(/^\d+$/);
    expect(during.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503 });
    expect(JSON.stringify(during.body)).not.toMatch(/ECONNREFUSED|at .*\.js/);
    const ready = await request(t.http).get('/health/ready');
    expect(ready.status).toBe(503);
    await new Promise((r) => setTimeout(r, 3000)); // workers poll, heartbeat and sweep into the outage

    database = await EmbeddedDatabase.start({ dataDir, port, database: 'outage_test', logger: quiet });
    await eventually(async () => (await request(t.http).get('/health/ready')).status === 200, 30_000);
    const done = await eventually(
      async () => {
        const res = await request(t.http)
          .get(`/v1/orchestrations/${id}`)
          .set('Authorization', `Bearer ${t.token('olga')}`);
        return res.body.status === 'COMPLETED' ? res.body : undefined;
      },
      90_000,
      'the sync to complete after the restart',
    );
    expect(done).toMatchObject({ totalChunks: 12, completedChunks: 12, failedChunks: 0 });
    const chunks = await t.db.selectFrom('chunks').selectAll().where('orchestration_id', '=', id).execute();
    expect(chunks.filter((c) => c.status === 'COMPLETED')).toHaveLength(12);
  }, 180_000);
});
