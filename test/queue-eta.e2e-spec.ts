import request from 'supertest';
import { createTestApp, eventually, type TestApp } from './support/app.js';
import { createConnection, grantPro } from './support/fixtures.js';
import { TestConnector } from './support/test-connector.js';

/**
 * The queue-aware ETA over HTTP: forty users' LAST_YEAR syncs share two chunk slots (each chunk
 * takes 1 s), so a backlog of about four minutes forms, longer than the cost model's estimate for one
 * sync alone. The status of a queued sync then counts the work ahead under fair
 * sharing, and the estimate route for one more sync warns QUEUE_BACKLOG with a figure that counts
 * the queue — both far above the standalone estimate, and consistent with each other.
 */
describe('queue-aware ETA and the QUEUE_BACKLOG estimate', () => {
  let t: TestApp;
  const connector = new TestConnector();
  connector.defaultBehavior = { kind: 'ok', records: 1, delayMs: 1000 };
  const auth = (user: string) => ({ Authorization: `Bearer ${t.token(user)}` });
  const users = Array.from({ length: 40 }, (_, i) => `queue-${i}`);
  const syncs: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({
      connector,
      env: {
        CHUNK_WORKER_CONCURRENCY: '2',
        CHUNK_USER_CONCURRENCY: '1',
        PROVIDER_TIME_SCALE: '0.001', // the rate is measured over whole 10-s windows
      },
    });
    for (const user of [...users, 'late']) await grantPro(t, user);
  }, 120_000);
  afterAll(() => t?.close());

  it('counts the fair queue ahead in the status ETA and in the estimate for a new sync', async () => {
    // before the queue forms (and before any rate is measured, however slow this machine is)
    const late = await createConnection(t, 'late');
    const standalone = (
      await request(t.http)
        .get(`/v1/connections/${late.id}/historical-syncs/estimate?preset=LAST_YEAR`)
        .set(auth('late'))
        .expect(200)
    ).body;
    expect(standalone.warnings.map((w: { code: string }) => w.code)).not.toContain('QUEUE_BACKLOG');

    for (const user of users) {
      const connection = await createConnection(t, user);
      const res = await request(t.http)
        .post(`/v1/connections/${connection.id}/historical-syncs`)
        .set(auth(user))
        .set('Idempotency-Key', `eta-${user}`)
        .send({ range: { preset: 'LAST_YEAR' } })
        .expect(202);
      syncs.push(res.body.orchestrationId as string);
    }

    // once chunks have been finishing for a while (a measured rate), the queue shows in the estimate
    const estimate = await eventually(
      async () => {
        const body = (
          await request(t.http)
            .get(`/v1/connections/${late.id}/historical-syncs/estimate?preset=LAST_YEAR`)
            .set(auth('late'))
            .expect(200)
        ).body;
        return body.warnings.some((w: { code: string }) => w.code === 'QUEUE_BACKLOG') ? body : undefined;
      },
      60_000,
      'a QUEUE_BACKLOG warning',
    );
    expect(estimate.estimatedSeconds).toBeGreaterThan(standalone.estimatedSeconds);

    // the last sync's own ETA: about the whole queue (every user has as many chunks left)
    const status = (
      await request(t.http)
        .get(`/v1/orchestrations/${syncs.at(-1)}/status`)
        .set(auth(users.at(-1)!))
        .expect(200)
    ).body;
    expect(status.status).toMatch(/PENDING|IN_PROGRESS/);
    expect(status.estimatedSecondsRemaining).toBeGreaterThan(standalone.estimatedSeconds);
    expect(Date.parse(status.estimatedCompletionAt) - Date.now()).toBeGreaterThan(
      (status.estimatedSecondsRemaining - 5) * 1000,
    );
    // a new sync waits about as long as the slowest of those already queued (+ its own share)
    expect(estimate.estimatedSeconds).toBeGreaterThanOrEqual(status.estimatedSecondsRemaining * 0.8);

    for (const [i, id] of syncs.entries())
      await request(t.http).post(`/v1/orchestrations/${id}/cancel`).set(auth(users[i])).expect(202);
  }, 120_000);
});
