import request from 'supertest';
import { createTestApp, eventually, testEnv, type TestApp } from './support/app.js';
import { FakeFcm } from './support/fake-fcm.js';
import { createConnection, grantPro } from './support/fixtures.js';
import { kill, spawnTs, waitForOutput } from './support/process.js';
import { TestConnector } from './support/test-connector.js';

/** The worker is SIGKILLed while FCM holds its send open; after a restart no second message goes out. */
describe('a worker killed during push delivery', () => {
  let api: TestApp;
  let worker: TestApp | undefined;
  const fcm = new FakeFcm();

  beforeAll(async () => {
    await fcm.start();
    api = await createTestApp({ env: { ROLE: 'api' } });
  });
  afterAll(async () => {
    await worker?.close();
    await api.close();
    await fcm.stop();
  });

  it('does not send a second notification', async () => {
    const push = {
      PUSH_DRIVER: 'fcm',
      FCM_PROJECT_ID: fcm.projectId,
      FCM_CREDENTIALS_FILE: fcm.credentialsFile(),
      FCM_BASE_URL: fcm.url,
    };
    await grantPro(api, 'otto');
    await request(api.http)
      .post('/v1/devices')
      .set('Authorization', `Bearer ${api.token('otto')}`)
      .send({ platform: 'android', token: 'otto-phone' })
      .expect(201);
    fcm.behave('otto-phone', { kind: 'slow', ms: 30_000 });
    const connection = await createConnection(api, 'otto');
    const created = await request(api.http)
      .post(`/v1/connections/${connection.id}/historical-syncs`)
      .set('Authorization', `Bearer ${api.token('otto')}`)
      .set('Idempotency-Key', 'otto-1')
      .send({ range: { preset: 'CUSTOM', startDate: '2025-01-01', endDate: '2025-01-31' } })
      .expect(202);
    const id = created.body.orchestrationId;

    const doomed = spawnTs('test/support/worker-process.ts', {
      ...testEnv(api.databaseUrl, { ROLE: 'worker', ...push }),
      BLOCK_START_DATE: '1900-01-01',
    });
    try {
      await waitForOutput(doomed, 'ready');
      await eventually(async () => fcm.messagesFor(id).length === 1, 30_000, 'FCM to receive the push');
    } finally {
      await kill(doomed, 'SIGKILL');
    }
    fcm.behave('otto-phone', { kind: 'slow', ms: 0 });
    worker = await createTestApp({
      databaseUrl: api.databaseUrl,
      connector: new TestConnector(),
      env: { ROLE: 'worker', ...push },
    });
    const delivery = await eventually(
      async () => {
        const row = await api.db.selectFrom('notification_deliveries').selectAll().executeTakeFirst();
        return row && row.status !== 'SENDING' ? row : undefined;
      },
      60_000,
      'the interrupted delivery to be settled',
    );
    expect(delivery.status).toBe('UNCONFIRMED');
    await new Promise((r) => setTimeout(r, 2000));
    expect(fcm.messagesFor(id)).toHaveLength(1);
    const notifications = await api.db
      .selectFrom('notifications')
      .selectAll()
      .where('orchestration_id', '=', id)
      .execute();
    expect(notifications).toHaveLength(1);
  });
});
