import request from 'supertest';
import { sql } from 'kysely';
import { SWEEP_LOCK_KEY, SweeperService } from '../src/modules/orchestration/engine/sweeper.service.js';
import { createTestApp, eventually, type TestApp } from './support/app.js';
import { chunkJobs, createConnection, grantPro } from './support/fixtures.js';
import { TestConnector } from './support/test-connector.js';

/** PRD §31.3: after losses behind the engine's back, the sweeps re-enqueue only what is missing. */
describe('resumption sweeps', () => {
  let api: TestApp;
  let worker: TestApp | undefined;
  const connector = new TestConnector();

  beforeAll(async () => {
    api = await createTestApp({ env: { ROLE: 'api' } }); // no workers: jobs stay where we leave them
    await grantPro(api, 'sam');
  });
  afterAll(async () => {
    await worker?.close();
    await api.close();
  });

  async function start(key: string): Promise<string> {
    const connection = await createConnection(api, 'sam');
    const res = await request(api.http)
      .post(`/v1/connections/${connection.id}/historical-syncs`)
      .set('Authorization', `Bearer ${api.token('sam')}`)
      .set('Idempotency-Key', key)
      .send({ range: { preset: 'LAST_YEAR' } })
      .expect(202);
    return res.body.orchestrationId;
  }

  it('re-enqueues chunks whose jobs were deleted, recovers RUNNING chunks whose job is gone, and finalizes', async () => {
    const id = await start('sweep-1');
    const jobs = await chunkJobs(api, id);
    const lost = jobs.slice(0, 5).map((j) => j.id);
    await sql`DELETE FROM pgboss.job WHERE name = 'chunk.process' AND id = ANY(${lost}::uuid[])`.execute(
      api.db,
    );
    // a chunk that was RUNNING on a worker whose job has since disappeared
    const stuck = await api.db
      .selectFrom('chunks')
      .select(['id', 'job_id'])
      .where('orchestration_id', '=', id)
      .where('idx', '=', 11)
      .executeTakeFirstOrThrow();
    await api.db
      .updateTable('chunks')
      .set({ status: 'RUNNING', attempts: 1 })
      .where('id', '=', stuck.id)
      .execute();
    await sql`DELETE FROM pgboss.job WHERE name = 'chunk.process' AND id = ${stuck.job_id}::uuid`.execute(
      api.db,
    );

    const sweeper = api.app.get(SweeperService);
    const report = await sweeper.sweepOnce();
    expect(report).toMatchObject({ requeued: 5, recovered: 1 });
    const after = await chunkJobs(api, id);
    const chunks = await api.db
      .selectFrom('chunks')
      .select(['job_id', 'status'])
      .where('orchestration_id', '=', id)
      .execute();
    expect(chunks.every((c) => c.status === 'PENDING')).toBe(true);
    const live = new Set(after.filter((j) => j.state === 'created').map((j) => j.id));
    expect(chunks.every((c) => live.has(c.job_id!))).toBe(true); // every chunk has exactly its live job
    expect(after).toHaveLength(12);
    expect(await sweeper.sweepOnce()).toMatchObject({ requeued: 0, recovered: 0 }); // nothing left to repair

    const metrics = await request(api.http).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/syncwell_sweep_actions_total\{action="requeued"\} 5/);
    expect(metrics.text).toMatch(/syncwell_sweep_actions_total\{action="recovered"\} 1/);

    worker = await createTestApp({ databaseUrl: api.databaseUrl, connector, env: { ROLE: 'worker' } });
    await eventually(
      async () =>
        (
          await api.db
            .selectFrom('orchestrations')
            .select('status')
            .where('id', '=', id)
            .executeTakeFirstOrThrow()
        ).status === 'COMPLETED',
      60_000,
      'the swept orchestration to complete',
    );
    expect(connector.calls.filter((c) => c.startDate)).toHaveLength(12); // each chunk ran once
  });

  it('a died run whose job waits for its retry: the job is cancelled and replaced, unless pg-boss just started the retry', async () => {
    await worker?.close(); // the first test's worker: no run of these chunks but the ones staged here
    worker = undefined;
    const id = await start('sweep-retry');
    const chunks = await api.db
      .selectFrom('chunks')
      .select(['id', 'job_id', 'idx'])
      .where('orchestration_id', '=', id)
      .where('idx', 'in', [0, 1])
      .orderBy('idx')
      .execute();
    const [died, retried] = chunks;
    // both chunks were RUNNING when their runs died; pg-boss holds each job for a backoff retry
    await api.db
      .updateTable('chunks')
      .set({ status: 'RUNNING', attempts: 1 })
      .where('id', 'in', [died.id, retried.id])
      .execute();
    await sql`UPDATE pgboss.job SET state = 'retry' WHERE name = 'chunk.process'
      AND id = ANY(${[died.job_id, retried.job_id]}::uuid[])`.execute(api.db);

    const sweeper = api.app.get(SweeperService);
    let sweeping: ReturnType<SweeperService['sweepOnce']> | undefined;
    // pg-boss's fetch takes the second job for its retry (row locked, state active) while the sweep runs
    await api.db.transaction().execute(async (trx) => {
      await sql`SELECT id FROM pgboss.job WHERE id = ${retried.job_id}::uuid FOR UPDATE`.execute(trx);
      sweeping = sweeper.sweepOnce();
      await new Promise((r) => setTimeout(r, 500));
      await sql`UPDATE pgboss.job SET state = 'active' WHERE id = ${retried.job_id}::uuid`.execute(trx);
    });
    const report = await sweeping!;
    expect(report).toMatchObject({ recovered: 1 });

    const jobState = async (jobId: string | null) =>
      (
        await sql<{ state: string }>`SELECT state::text FROM pgboss.job WHERE id = ${jobId}::uuid`.execute(
          api.db,
        )
      ).rows[0]?.state;
    const row = (chunkId: string) =>
      api.db
        .selectFrom('chunks')
        .select(['status', 'job_id'])
        .where('id', '=', chunkId)
        .executeTakeFirstOrThrow();
    // the died run's job will not run again: the chunk has a new one
    const diedNow = await row(died.id);
    expect(await jobState(died.job_id)).toBe('cancelled');
    expect(diedNow.job_id).not.toBe(died.job_id);
    expect(diedNow.status).toBe('PENDING');
    expect(await jobState(diedNow.job_id)).toBe('created');
    // the retry pg-boss started keeps the chunk: no second job to run it side by side
    expect(await row(retried.id)).toMatchObject({ status: 'RUNNING', job_id: retried.job_id });
    expect(await jobState(retried.job_id)).toBe('active');
  });

  it('repairs counters that disagree with the chunk rows and finalizes an orchestration whose chunks are all terminal', async () => {
    const id = await start('sweep-2');
    await api.db
      .updateTable('chunks')
      .set({ status: 'COMPLETED' })
      .where('orchestration_id', '=', id)
      .where('idx', '<', 11)
      .execute();
    await api.db
      .updateTable('chunks')
      .set({ status: 'FAILED', last_error: JSON.stringify({ code: 'X', message: 'x', retryable: true }) })
      .where('orchestration_id', '=', id)
      .where('idx', '=', 11)
      .execute();
    await api.db
      .updateTable('orchestrations')
      .set({
        status: 'IN_PROGRESS',
        completed_chunks: 4,
        failed_chunks: 0,
        updated_at: new Date(Date.now() - 60_000),
      })
      .where('id', '=', id)
      .execute();
    const report = await api.app.get(SweeperService).sweepOnce();
    expect(report!.countersRepaired + report!.finalized).toBeGreaterThanOrEqual(1);
    const o = await api.db
      .selectFrom('orchestrations')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(o).toMatchObject({ status: 'COMPLETED_WITH_ERRORS', completed_chunks: 11, failed_chunks: 1 });
    expect(o.completed_at).not.toBeNull();
    const completions = await api.db
      .selectFrom('orchestration_completions')
      .selectAll()
      .where('orchestration_id', '=', id)
      .execute();
    expect(completions).toHaveLength(1);
    await api.app.get(SweeperService).sweepOnce();
    expect(
      await api.db
        .selectFrom('orchestration_completions')
        .selectAll()
        .where('orchestration_id', '=', id)
        .execute(),
    ).toHaveLength(1);
  });

  it('runs on one replica at a time (advisory lock)', async () => {
    const other = await createTestApp({ databaseUrl: api.databaseUrl, env: { ROLE: 'api' } });
    try {
      await api.db.connection().execute(async (conn) => {
        await sql`SELECT pg_advisory_lock(${SWEEP_LOCK_KEY})`.execute(conn); // what a replica mid-sweep holds
        expect(await other.app.get(SweeperService).sweepOnce()).toBeUndefined();
        await sql`SELECT pg_advisory_unlock(${SWEEP_LOCK_KEY})`.execute(conn);
      });
      expect(await other.app.get(SweeperService).sweepOnce()).toBeDefined();
    } finally {
      await other.close();
    }
  });
});
