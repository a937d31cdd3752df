import request from 'supertest';
import { createTestApp, eventually, type TestApp } from './support/app.js';
import { createConnection, grantPro } from './support/fixtures.js';
import { TestConnector } from './support/test-connector.js';

describe('admin: queues and dead letters', () => {
  let t: TestApp;
  const connector = new TestConnector();
  const admin = () => ({ Authorization: `Bearer ${t.token('ops', ['admin'])}` });

  beforeAll(async () => {
    t = await createTestApp({ connector });
    await grantPro(t, 'olga');
  });
  afterAll(() => t.close());

  it('keeps admin routes for admins', async () => {
    for (const [method, path] of [
      ['get', '/v1/admin/queues'],
      ['get', '/v1/admin/dead-letters'],
      ['post', '/v1/admin/dead-letters/redrive'],
    ] as const) {
      const agent = request(t.http);
      const res = await (method === 'get' ? agent.get(path) : agent.post(path))
        .set('Authorization', `Bearer ${t.token('olga')}`)
        .expect(403);
      expect(res.body.code).toBe('FORBIDDEN');
    }
  });

  it('lists dead-lettered chunks and redrives them through the engine', async () => {
    connector.script('2025-02-01', { kind: 'permanent' });
    const connection = await createConnection(t, 'olga');
    const created = await request(t.http)
      .post(`/v1/connections/${connection.id}/historical-syncs`)
      .set('Authorization', `Bearer ${t.token('olga')}`)
      .set('Idempotency-Key', 'dl-1')
      .send({ range: { preset: 'CUSTOM', startDate: '2025-01-01', endDate: '2025-03-31' } })
      .expect(202);
    const id = created.body.orchestrationId;
    const status = async () =>
      (
        await request(t.http)
          .get(`/v1/orchestrations/${id}`)
          .set('Authorization', `Bearer ${t.token('olga')}`)
      ).body;
    await eventually(
      async () => (await status()).status === 'COMPLETED_WITH_ERRORS',
      30_000,
      'the sync to end with errors',
    );

    const letters = await request(t.http).get('/v1/admin/dead-letters').set(admin()).expect(200);
    expect(letters.body.items).toHaveLength(1);
    expect(letters.body.items[0]).toMatchObject({
      queue: 'chunk.dead',
      sourceQueue: 'chunk.process',
      error: { code: 'TEST_PERMANENT' },
      chunk: { orchestrationId: id, status: 'FAILED' },
      data: { chunkStartDate: '2025-02-01' },
    });

    const queues = await request(t.http).get('/v1/admin/queues').set(admin()).expect(200);
    const chunkQueue = queues.body.items.find((q: { name: string }) => q.name === 'chunk.process');
    expect(chunkQueue).toMatchObject({ deadLetter: 'chunk.dead', ready: 0, active: 0 });
    expect(chunkQueue.completed + chunkQueue.failed).toBeGreaterThanOrEqual(3);

    const redrive = await request(t.http)
      .post('/v1/admin/dead-letters/redrive')
      .set(admin())
      .send({ all: true })
      .expect(200);
    expect(redrive.body).toEqual({ redriven: 1, skipped: 0 });
    await eventually(
      async () => (await status()).status === 'COMPLETED',
      30_000,
      'the redriven chunk to complete',
    );
    expect(connector.callsFor('2025-02-01')).toHaveLength(2);
    expect(
      (await request(t.http).get('/v1/admin/dead-letters').set(admin()).expect(200)).body.items,
    ).toHaveLength(0);
    expect(
      (
        await request(t.http)
          .post('/v1/admin/dead-letters/redrive')
          .set(admin())
          .send({ all: true })
          .expect(200)
      ).body,
    ).toEqual({ redriven: 0, skipped: 0 });
    await request(t.http)
      .post('/v1/admin/dead-letters/redrive')
      .set(admin())
      .send({ ids: ['nope'] })
      .expect(422);
  });
});
