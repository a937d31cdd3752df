import request from 'supertest';
import { createTestApp, eventually, testEnv, type TestApp } from './support/app.js';
import { createConnection, grantPro } from './support/fixtures.js';
import { kill, spawnTs, waitForOutput } from './support/process.js';
import { TestConnector } from './support/test-connector.js';

/**
 * A worker process is SIGKILLed in the middle of a chunk. Its job stops heartbeating, pg-boss
 * retries it, another worker runs the chunk, and the counters end exact.
 */
describe('a worker killed mid-chunk', () => {
  let api: TestApp;
  let worker: TestApp | undefined;
  const connector = new TestConnector();

  beforeAll(async () => {
    api = await createTestApp({ env: { ROLE: 'api' } });
  });
  afterAll(async () => {
    await worker?.close();
    await api.close();
  });

  it('has its chunk run again by another worker, counted once', async () => {
    await grantPro(api, 'kate');
    const connection = await createConnection(api, 'kate');
    const created = await request(api.http)
      .post(`/v1/connections/${connection.id}/historical-syncs`)
      .set('Authorization', `Bearer ${api.token('kate')}`)
      .set('Idempotency-Key', 'crash-1')
      .send({ range: { preset: 'CUSTOM', startDate: '2025-01-01', endDate: '2025-03-31' } })
      .expect(202);
    const id = created.body.orchestrationId as string;

    const doomed = spawnTs('test/support/worker-process.ts', {
      ...testEnv(api.databaseUrl, {
        ROLE: 'worker',
        CHUNK_USER_CONCURRENCY: '1',
        CHUNK_WORKER_CONCURRENCY: '1',
      }),
      BLOCK_START_DATE: '2025-01-01',
    });
    try {
      await waitForOutput(doomed, 'ready');
      const running = await eventually(
        () =>
          api.db
            .selectFrom('chunks')
            .selectAll()
            .where('orchestration_id', '=', id)
            .where('status', '=', 'RUNNING')
            .executeTakeFirst(),
        30_000,
        'the first chunk to run in the doomed worker',
      );
      expect(running).toMatchObject({ start_date: '2025-01-01', attempts: 1 });
    } finally {
      await kill(doomed, 'SIGKILL');
    }

    worker = await createTestApp({ databaseUrl: api.databaseUrl, connector, env: { ROLE: 'worker' } });
    const done = await eventually(
      async () => {
        const o = await api.db
          .selectFrom('orchestrations')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        return o.status === 'COMPLETED' ? o : undefined;
      },
      90_000,
      'the orchestration to complete on the second worker',
    );
    expect(done).toMatchObject({ completed_chunks: 3, failed_chunks: 0, total_chunks: 3 });
    const chunks = await api.db
      .selectFrom('chunks')
      .selectAll()
      .where('orchestration_id', '=', id)
      .orderBy('idx')
      .execute();
    expect(chunks.map((c) => c.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    expect(chunks[0].attempts).toBe(2); // the killed run, then the one that finished
    expect(connector.callsFor('2025-01-01')).toHaveLength(1);
    const completions = await api.db
      .selectFrom('orchestration_completions')
      .selectAll()
      .where('orchestration_id', '=', id)
      .execute();
    expect(completions).toHaveLength(1);
  });
});
