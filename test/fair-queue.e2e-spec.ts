import request from 'supertest';
import { PgBoss } from 'pg-boss';
import type { ChunkJobData } from '../src/jobs/job-names.js';
import { SyncStartService } from '../src/modules/orchestration/sync-start.service.js';
import { createTestApp, type TestApp } from './support/app.js';
import { createConnection, grantPro } from './support/fixtures.js';

/**
 * The fair queue (issue 15) as pg-boss itself hands it out: the service runs as an API only (no
 * workers), and a separate pg-boss client fetches the chunk jobs one at a time, as a worker would.
 */
describe('fair queue: round-robin across users, 7-day syncs first, places kept', () => {
  let t: TestApp;
  let boss: PgBoss;
  const auth = (user: string) => ({ Authorization: `Bearer ${t.token(user)}` });

  beforeAll(async () => {
    t = await createTestApp({ env: { ROLE: 'api' } });
    boss = new PgBoss({ connectionString: t.databaseUrl, supervise: false, schedule: false, migrate: false });
    boss.on('error', () => undefined);
    await boss.start();
    for (const user of ['amy', 'ben', 'cat', 'dan']) await grantPro(t, user);
  }, 120_000);
  afterAll(async () => {
    await boss?.stop({ graceful: false });
    await t?.close();
  });

  async function historical(user: string, startDate: string, endDate: string): Promise<string> {
    const connection = await createConnection(t, user);
    const res = await request(t.http)
      .post(`/v1/connections/${connection.id}/historical-syncs`)
      .set(auth(user))
      .set('Idempotency-Key', `fair-${user}-${startDate}`)
      .send({ range: { preset: 'CUSTOM', startDate, endDate } })
      .expect(202);
    return res.body.orchestrationId as string;
  }

  async function initial(user: string): Promise<string> {
    const connection = await createConnection(t, user);
    const o = await t.db
      .transaction()
      .execute((trx) => t.app.get(SyncStartService).startInitialSync(trx, connection));
    return o.id;
  }

  async function fetchAll(): Promise<ChunkJobData[]> {
    const order: ChunkJobData[] = [];
    for (;;) {
      const [job] = await boss.fetch<ChunkJobData>('chunk.process', { batchSize: 1 });
      if (!job) return order;
      order.push(job.data);
      await boss.complete('chunk.process', job.id);
    }
  }

  it('interleaves users chunk by chunk, whatever their backlog, with every 7-day sync ahead', async () => {
    const amyBackfill = await historical('amy', '2024-01-01', '2025-12-31'); // 24 chunks
    const benSync = await historical('ben', '2025-01-01', '2025-03-31'); // 3 chunks
    const catSync = await historical('cat', '2025-04-01', '2025-06-30'); // 3 chunks
    const amyInitial = await initial('amy'); // her own 7-day sync, created after her backfill
    const danInitial = await initial('dan');

    const order = await fetchAll();
    expect(order).toHaveLength(24 + 3 + 3 + 2);
    // both automatic 7-day syncs first, in arrival order
    expect(order.slice(0, 2).map((d) => d.orchestrationId)).toEqual([amyInitial, danInitial]);
    // then one chunk per user per round: ben and cat are done within the first three rounds
    const rounds = order.slice(2, 11).map((d) => d.orchestrationId);
    for (let round = 0; round < 3; round++) {
      expect(new Set(rounds.slice(round * 3, round * 3 + 3))).toEqual(
        new Set([amyBackfill, benSync, catSync]),
      );
    }
    // and each user's chunks in date order
    const amyDates = order.filter((d) => d.orchestrationId === amyBackfill).map((d) => d.chunkStartDate);
    expect(amyDates).toEqual([...amyDates].sort());
    expect(order.slice(11).every((d) => d.orchestrationId === amyBackfill)).toBe(true);
  });

  it('a user who arrives later joins at the head of the queue, not behind the earlier backlog', async () => {
    const big = await historical('amy', '2020-01-01', '2021-12-31'); // 24 chunks
    // a worker takes 10 of amy's chunks before ben arrives
    for (let i = 0; i < 10; i++) {
      const [job] = await boss.fetch<ChunkJobData>('chunk.process', { batchSize: 1 });
      expect(job.data.orchestrationId).toBe(big);
      await boss.complete('chunk.process', job.id);
    }
    const late = await historical('ben', '2021-01-01', '2021-02-28'); // 2 chunks
    const order = (await fetchAll()).map((d) => d.orchestrationId);
    expect(order.indexOf(late)).toBeLessThanOrEqual(1);
    expect(order.lastIndexOf(late)).toBeLessThanOrEqual(3);
    expect(order).toHaveLength(14 + 2);
  });

  it("a retried failed chunk joins the back of its user's line, it does not jump the queue", async () => {
    const id = await historical('cat', '2022-01-01', '2022-06-30'); // 6 chunks
    const [first] = await boss.fetch<ChunkJobData>('chunk.process', { batchSize: 1 });
    expect(first.data.orchestrationId).toBe(id);
    await boss.complete('chunk.process', first.id);
    // that run failed for good (as the dead-letter handler records it)
    await t.db
      .updateTable('chunks')
      .set({ status: 'FAILED', job_id: null })
      .where('id', '=', first.data.chunkId)
      .execute();
    await t.db
      .updateTable('orchestrations')
      .set({ status: 'IN_PROGRESS', failed_chunks: 1 })
      .where('id', '=', id)
      .execute();
    await request(t.http)
      .post(`/v1/orchestrations/${id}/retry-failed`)
      .set(auth('cat'))
      .set('Idempotency-Key', 'fair-retry')
      .expect(202);
    const order = await fetchAll();
    expect(order).toHaveLength(6);
    expect(order.at(-1)!.chunkId).toBe(first.data.chunkId);
  });

  it('keeps the fair tags in PostgreSQL: consecutive per user, from the queue head for a newcomer', async () => {
    const rows = await t.db
      .selectFrom('chunks')
      .innerJoin('orchestrations as o', 'o.id', 'chunks.orchestration_id')
      .select(['o.user_id', 'o.kind', 'chunks.idx', 'chunks.fair_tag'])
      .orderBy('chunks.created_at')
      .execute();
    for (const row of rows) {
      if (row.kind === 'INITIAL_7_DAY') expect(row.fair_tag).toBeNull();
      else expect(typeof row.fair_tag).toBe('number');
    }
    const users = await t.db.selectFrom('fair_share_users').selectAll().execute();
    expect(users.map((u) => u.user_id).sort()).toEqual(['amy', 'ben', 'cat']);
    const synced = await t.db.selectFrom('orchestrations').select(['kind', 'fair_last_tag']).execute();
    for (const o of synced) expect(o.fair_last_tag === null).toBe(o.kind === 'INITIAL_7_DAY');
  });
});
