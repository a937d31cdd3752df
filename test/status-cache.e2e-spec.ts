import { sql } from 'kysely';
import pg from 'pg';
import request from 'supertest';
import { OrchestrationCache } from '../src/modules/orchestration/orchestration-cache.service.js';
import { createTestApp, type TestApp } from './support/app.js';
import { createConnection, grantPro } from './support/fixtures.js';
import { TestConnector } from './support/test-connector.js';

/** Polls `check` until it holds (the notification is asynchronous) or 5 s pass. */
async function eventually(check: () => Promise<boolean> | boolean): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

// The API keeps polled rows in memory; a change made by another process must reach the next polls.
describe('status polls served from memory', () => {
  let t: TestApp;
  let other: pg.Client; // "another process": its own connection, not the app's pool
  let id: string;
  const auth = () => ({ Authorization: `Bearer ${t.token('poller')}` });
  const status = () => request(t.http).get(`/v1/orchestrations/${id}/status`).set(auth());

  beforeAll(async () => {
    t = await createTestApp({ env: { ROLE: 'api' }, connector: new TestConnector() });
    other = new pg.Client({ connectionString: t.databaseUrl });
    await other.connect();
    await grantPro(t, 'poller');
    const connection = await createConnection(t, 'poller');
    const res = await request(t.http)
      .post(`/v1/connections/${connection.id}/historical-syncs`)
      .set(auth())
      .set('Idempotency-Key', 'poll-1')
      .send({ range: { preset: 'LAST_YEAR' } })
      .expect(202);
    id = res.body.orchestrationId;
  });
  afterAll(async () => {
    await other.end();
    await t.close();
  });

  const cache = () => t.app.get(OrchestrationCache);

  it('answers from memory until another process changes the row, then shows the change', async () => {
    expect(cache().active).toBe(true);
    // the creation's own change notice may still be on its way (it clears an entry loading meanwhile)
    expect(
      await eventually(async () => {
        await status().expect(200);
        return cache().size > 0;
      }),
    ).toBe(true);
    const first = await status().expect(200);
    const etag = first.headers.etag;
    expect(cache().size).toBeGreaterThan(0);
    await status().set('If-None-Match', etag).expect(304);

    await other.query(
      `UPDATE orchestrations SET completed_chunks = 5, status = 'IN_PROGRESS', updated_at = now() WHERE id = $1`,
      [id],
    );
    expect(await eventually(async () => (await status()).body.completedChunks === 5)).toBe(true);
    const after = await status().set('If-None-Match', etag).expect(200);
    expect(after.headers.etag).not.toBe(etag);
    expect(after.body).toMatchObject({ status: 'IN_PROGRESS', completedChunks: 5 });
  });

  it('shows its own transitions at once (pause), without waiting for the notification', async () => {
    await status().expect(200);
    await request(t.http).post(`/v1/orchestrations/${id}/pause`).set(auth()).expect(202);
    const res = await status().expect(200);
    expect(res.body.status).toBe('PAUSED');
  });

  it('stops caching when its listener connection is killed and resumes once it reconnects', async () => {
    await status().expect(200);
    const killed = await other.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND application_name LIKE 'syncwell-%-changes'`,
    );
    expect(killed.rowCount).toBe(1);
    expect(await eventually(() => !cache().active)).toBe(true);
    expect(cache().size).toBe(0);

    // a change nobody is notified of: reads go to the database meanwhile, so it shows
    await other.query(`UPDATE orchestrations SET completed_chunks = 7, updated_at = now() WHERE id = $1`, [
      id,
    ]);
    expect((await status().expect(200)).body.completedChunks).toBe(7);

    expect(await eventually(() => cache().active)).toBe(true);
    await status().expect(200);
    await other.query(`UPDATE orchestrations SET completed_chunks = 8, updated_at = now() WHERE id = $1`, [
      id,
    ]);
    expect(await eventually(async () => (await status()).body.completedChunks === 8)).toBe(true);
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND application_name LIKE 'syncwell-%-changes'`.execute(t.db);
    expect(rows[0].n).toBe(1);
  });
});
