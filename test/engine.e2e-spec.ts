import request from 'supertest';
import { sql } from 'kysely';
import type { Job } from 'pg-boss';
import type { ChunkJobData } from '../src/jobs/job-names.js';
import { ChunkWorker } from '../src/modules/orchestration/engine/chunk.worker.js';
import { createTestApp, eventually, type TestApp } from './support/app.js';
import { createConnection, grantPro } from './support/fixtures.js';
import { TestConnector } from './support/test-connector.js';

describe('chunk engine: completion, failures, partial retries, rate limits, fatal errors', () => {
  let t: TestApp;
  const connector = new TestConnector();
  const auth = (user: string) => ({ Authorization: `Bearer ${t.token(user)}` });

  beforeAll(async () => {
    t = await createTestApp({ connector, env: { CHUNK_RETRY_LIMIT: '2' } });
    await grantPro(t, 'eve');
  });
  afterAll(() => t.close());

  async function start(range: object, key: string, user = 'eve'): Promise<string> {
    const connection = await createConnection(t, user);
    const res = await request(t.http)
      .post(`/v1/connections/${connection.id}/historical-syncs`)
      .set(auth(user))
      .set('Idempotency-Key', key)
      .send({ range })
      .expect(202);
    return res.body.orchestrationId as string;
  }

  const status = async (id: string, user = 'eve') =>
    (await request(t.http).get(`/v1/orchestrations/${id}`).set(auth(user)).expect(200)).body;
  const untilDone = (id: string, user = 'eve') =>
    eventually(
      async () => {
        const o = await status(id, user);
        return ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED'].includes(o.status)
          ? o
          : undefined;
      },
      60_000,
      `orchestration ${id} to finish`,
    );
  const chunks = async (id: string, query = '') =>
    (await request(t.http).get(`/v1/orchestrations/${id}/chunks${query}`).set(auth('eve')).expect(200)).body
      .items;
  const completions = (id: string) =>
    t.db
      .selectFrom('orchestration_completions')
      .selectAll()
      .where('orchestration_id', '=', id)
      .orderBy('round')
      .execute();

  it('runs every chunk of a LAST_YEAR sync and completes it once', async () => {
    const id = await start({ preset: 'LAST_YEAR' }, 'ok-1');
    const done = await untilDone(id);
    expect(done).toMatchObject({
      status: 'COMPLETED',
      totalChunks: 12,
      completedChunks: 12,
      failedChunks: 0,
      progressPercent: 100,
      estimatedSecondsRemaining: 0,
    });
    expect(done.completedAt).not.toBeNull();
    const items = await chunks(id);
    expect(
      items.every(
        (c: { status: string; attempts: number; recordsWritten: number }) =>
          c.status === 'COMPLETED' && c.attempts === 1 && c.recordsWritten === 3,
      ),
    ).toBe(true);
    expect(await completions(id)).toHaveLength(1);
    const events = await t.db
      .selectFrom('analytics_events')
      .select('type')
      .where('orchestration_id', '=', id)
      .execute();
    const types = events.map((e) => e.type);
    expect(types.filter((x) => x === 'CHUNK_COMPLETED')).toHaveLength(12);
    expect(types.filter((x) => x === 'SYNC_STARTED')).toHaveLength(1);
    expect(types.filter((x) => x === 'SYNC_COMPLETED')).toHaveLength(1);
  });

  it('ends COMPLETED_WITH_ERRORS when one of 12 chunks fails for good, then retry-failed re-runs only that chunk', async () => {
    const failing = '2025-03-01';
    connector.script(failing, { kind: 'permanent' });
    const id = await start({ preset: 'CUSTOM', startDate: '2025-01-01', endDate: '2025-12-31' }, 'partial-1');
    const done = await untilDone(id);
    expect(done).toMatchObject({ status: 'COMPLETED_WITH_ERRORS', completedChunks: 11, failedChunks: 1 });
    const failed = await chunks(id, '?status=FAILED');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ chunkStartDate: failing, chunkEndDate: '2025-03-31', attempts: 1 });
    expect(failed[0].lastError).toMatchObject({ code: 'TEST_PERMANENT', retryable: false });
    expect(connector.callsFor(failing)).toHaveLength(1); // permanent: straight to the dead-letter queue

    const callsBefore = connector.calls.length;
    const retry = await request(t.http)
      .post(`/v1/orchestrations/${id}/retry-failed`)
      .set(auth('eve'))
      .set('Idempotency-Key', 'retry-1')
      .expect(202);
    expect(retry.body).toMatchObject({
      retriedChunks: 1,
      orchestration: { status: 'IN_PROGRESS', failedChunks: 0, completedChunks: 11 },
    });
    const replay = await request(t.http)
      .post(`/v1/orchestrations/${id}/retry-failed`)
      .set(auth('eve'))
      .set('Idempotency-Key', 'retry-1')
      .expect(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');

    const again = await untilDone(id);
    expect(again).toMatchObject({ status: 'COMPLETED', completedChunks: 12, failedChunks: 0 });
    const rerun = connector.calls.slice(callsBefore);
    expect(rerun.map((c) => [c.startDate, c.endDate])).toEqual([[failing, '2025-03-31']]);
    expect(await completions(id)).toEqual([
      expect.objectContaining({ round: 1, status: 'COMPLETED_WITH_ERRORS' }),
      expect.objectContaining({ round: 2, status: 'COMPLETED' }),
    ]);
    const none = await request(t.http)
      .post(`/v1/orchestrations/${id}/retry-failed`)
      .set(auth('eve'))
      .set('Idempotency-Key', 'retry-2')
      .expect(409);
    expect(none.body.code).toBe('INVALID_STATE');
  });

  it('retries transient errors with backoff, and fails the chunk once its retries are spent', async () => {
    connector.script('2024-01-01', { kind: 'transient' }, { kind: 'transient' });
    connector.script('2024-02-01', { kind: 'transient' }, { kind: 'transient' }, { kind: 'transient' });
    const id = await start(
      { preset: 'CUSTOM', startDate: '2024-01-01', endDate: '2024-02-29' },
      'transient-1',
    );
    const done = await untilDone(id);
    expect(done).toMatchObject({ status: 'COMPLETED_WITH_ERRORS', completedChunks: 1, failedChunks: 1 });
    const [jan, feb] = await chunks(id);
    expect(jan).toMatchObject({ status: 'COMPLETED', attempts: 3, lastError: null });
    expect(feb).toMatchObject({
      status: 'FAILED',
      attempts: 3,
      lastError: { code: 'TEST_TRANSIENT', retryable: true },
    });
    const janCalls = connector.callsFor('2024-01-01');
    expect(janCalls).toHaveLength(3);
    expect(janCalls[2].at - janCalls[1].at).toBeGreaterThanOrEqual(900); // backoff between attempts
  });

  it('reschedules a rate-limited chunk for the reset time without using an attempt', async () => {
    connector.script('2023-06-01', { kind: 'rateLimit', retryAfterMs: 2500 });
    const id = await start({ preset: 'CUSTOM', startDate: '2023-06-01', endDate: '2023-06-30' }, 'rl-1');
    const pending = await eventually(
      async () => {
        const [chunk] = await chunks(id);
        return chunk.status === 'PENDING' && chunk.lastError?.code === 'PROVIDER_RATE_LIMITED'
          ? chunk
          : undefined;
      },
      10_000,
      'the rate-limited chunk to wait',
    );
    expect(pending.attempts).toBe(0);
    const done = await untilDone(id);
    expect(done).toMatchObject({ status: 'COMPLETED', failedChunks: 0 });
    const [chunk] = await chunks(id);
    expect(chunk).toMatchObject({ status: 'COMPLETED', attempts: 1 });
    const calls = connector.callsFor('2023-06-01');
    expect(calls).toHaveLength(2);
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(2400);
    const { rows } = await sql<{ retry_count: number; retry_limit: number }>`
      SELECT retry_count, retry_limit FROM pgboss.job WHERE name = 'chunk.process' AND data->>'chunkId' = ${chunk.chunkId} ORDER BY created_on
    `.execute(t.db);
    expect(rows).toEqual([
      { retry_count: 0, retry_limit: 2 },
      { retry_count: 0, retry_limit: 2 },
    ]);
  });

  it('ends the sync FAILED with the provider-auth code when the authorization is revoked', async () => {
    connector.script('2022-02-01', { kind: 'fatal', code: 'PROVIDER_AUTH_REVOKED' });
    const id = await start(
      { preset: 'CUSTOM', startDate: '2022-01-01', endDate: '2022-06-30' },
      'fatal-1',
      'eve',
    );
    const done = await untilDone(id);
    expect(done.status).toBe('FAILED');
    expect(done.lastError).toMatchObject({ code: 'PROVIDER_AUTH_REVOKED' });
    expect(done.completedChunks + done.failedChunks).toBe(done.totalChunks);
    expect(await completions(id)).toHaveLength(1);
  });

  it('counts a chunk once when its handler runs twice, concurrently or one after the other', async () => {
    const gate = Promise.withResolvers<void>();
    connector.script('2021-01-01', { kind: 'block', until: gate.promise });
    const id = await start({ preset: 'CUSTOM', startDate: '2021-01-01', endDate: '2021-01-31' }, 'twice-1');
    await eventually(async () => (await chunks(id))[0].status === 'RUNNING', 10_000, 'the chunk to run');
    const row = await t.db
      .selectFrom('chunks')
      .selectAll()
      .where('orchestration_id', '=', id)
      .executeTakeFirstOrThrow();
    const job = {
      id: row.job_id!,
      name: 'chunk.process',
      data: {
        chunkId: row.id,
        orchestrationId: id,
        userId: 'eve',
        source: 'fitbit',
        destination: 'strava',
        chunkStartDate: row.start_date,
        chunkEndDate: row.end_date,
      },
      retryCount: 0,
      expireInSeconds: 60,
      heartbeatSeconds: null,
      signal: new AbortController().signal,
    } as Job<ChunkJobData>;
    const worker = t.app.get(ChunkWorker);
    const duplicates = Promise.all([worker.process(job), worker.process(job)]);
    gate.resolve();
    await duplicates;
    await worker.process(job);
    const done = await untilDone(id);
    expect(done).toMatchObject({ status: 'COMPLETED', completedChunks: 1, failedChunks: 0 });
    expect(await completions(id)).toHaveLength(1);
    const events = await t.db
      .selectFrom('analytics_events')
      .select('type')
      .where('orchestration_id', '=', id)
      .where('type', '=', 'CHUNK_COMPLETED')
      .execute();
    expect(events).toHaveLength(1);
  });

  describe('pause, resume, cancel', () => {
    it('pauses (running chunks finish, no new one starts) and resumes', async () => {
      await grantPro(t, 'paula');
      const gate = Promise.withResolvers<void>();
      // six chunks, at most four of one user's run at once (CHUNK_USER_CONCURRENCY)
      for (const month of ['01', '02', '03', '04', '05', '06'])
        connector.script(`2020-${month}-01`, { kind: 'block', until: gate.promise });
      const id = await start(
        { preset: 'CUSTOM', startDate: '2020-01-01', endDate: '2020-06-30' },
        'pause-1',
        'paula',
      );
      const running = async () =>
        (await request(t.http).get(`/v1/orchestrations/${id}/chunks?status=RUNNING`).set(auth('paula'))).body
          .items.length;
      await eventually(async () => (await running()) === 4, 10_000, 'four chunks to run');
      await new Promise((r) => setTimeout(r, 1500));
      expect(await running()).toBe(4); // never more than CHUNK_USER_CONCURRENCY of one user at once
      const paused = await request(t.http)
        .post(`/v1/orchestrations/${id}/pause`)
        .set(auth('paula'))
        .expect(202);
      expect(paused.body.status).toBe('PAUSED');
      expect(paused.body.estimatedSecondsRemaining).toBeNull();
      const runningWhenPaused = await running();
      const callsWhenPaused = connector.calls.length;
      gate.resolve();
      await eventually(async () => (await running()) === 0, 10_000, 'the running chunks to finish');
      await new Promise((r) => setTimeout(r, 1500));
      const whilePaused = await status(id, 'paula');
      expect(whilePaused.status).toBe('PAUSED');
      expect(whilePaused.completedChunks).toBe(runningWhenPaused);
      expect(connector.calls.length).toBe(callsWhenPaused); // no new chunk started
      await request(t.http).post(`/v1/orchestrations/${id}/pause`).set(auth('paula')).expect(409);
      const resumed = await request(t.http)
        .post(`/v1/orchestrations/${id}/resume`)
        .set(auth('paula'))
        .expect(202);
      expect(['IN_PROGRESS', 'PENDING']).toContain(resumed.body.status);
      expect(await untilDone(id, 'paula')).toMatchObject({ status: 'COMPLETED', completedChunks: 6 });
      const res = await request(t.http)
        .post(`/v1/orchestrations/${id}/resume`)
        .set(auth('paula'))
        .expect(409);
      expect(res.body.code).toBe('INVALID_STATE');
    });

    it('cancels: pending chunks are CANCELLED and the sync ends CANCELLED', async () => {
      await grantPro(t, 'carl');
      const gate = Promise.withResolvers<void>();
      connector.defaultBehavior = { kind: 'block', until: gate.promise };
      try {
        const id = await start({ preset: 'LAST_YEAR' }, 'cancel-1', 'carl');
        const cancelled = await request(t.http)
          .post(`/v1/orchestrations/${id}/cancel`)
          .set(auth('carl'))
          .expect(202);
        expect(cancelled.body.status).toBe('CANCELLED');
        expect(cancelled.body.completedAt).not.toBeNull();
        gate.resolve();
        const items = await eventually(
          async () => {
            const list = (await request(t.http).get(`/v1/orchestrations/${id}/chunks`).set(auth('carl'))).body
              .items as Array<{ status: string }>;
            return list.every((c) => c.status !== 'RUNNING') ? list : undefined;
          },
          15_000,
          'running chunks to finish',
        );
        expect(items.filter((c) => c.status === 'CANCELLED').length).toBeGreaterThan(0);
        expect(items.every((c) => ['CANCELLED', 'COMPLETED'].includes(c.status))).toBe(true);
        expect((await status(id, 'carl')).status).toBe('CANCELLED');
        await request(t.http).post(`/v1/orchestrations/${id}/cancel`).set(auth('carl')).expect(409);
        await request(t.http).post(`/v1/orchestrations/${id}/pause`).set(auth('carl')).expect(409);
      } finally {
        connector.defaultBehavior = { kind: 'ok' };
        gate.resolve();
      }
    });
  });
});
