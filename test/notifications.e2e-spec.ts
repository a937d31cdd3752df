import request from 'supertest';
import { createTestApp, eventually, type TestApp } from './support/app.js';
import { FakeFcm } from './support/fake-fcm.js';
import { createConnection, grantPro } from './support/fixtures.js';
import { TestConnector } from './support/test-connector.js';

describe('push notifications (FR-4) through FCM HTTP v1', () => {
  let t: TestApp;
  const fcm = new FakeFcm();
  const connector = new TestConnector();
  const auth = () => ({ Authorization: `Bearer ${t.token('nora')}` });

  beforeAll(async () => {
    await fcm.start();
    t = await createTestApp({
      connector,
      env: {
        PUSH_DRIVER: 'fcm',
        FCM_PROJECT_ID: fcm.projectId,
        FCM_CREDENTIALS_FILE: fcm.credentialsFile(),
        FCM_BASE_URL: fcm.url,
      },
    });
    await grantPro(t, 'nora');
  });
  afterAll(async () => {
    await t.close();
    await fcm.stop();
  });

  async function sync(key: string, range: object): Promise<string> {
    const connection = await createConnection(t, 'nora');
    const res = await request(t.http)
      .post(`/v1/connections/${connection.id}/historical-syncs`)
      .set(auth())
      .set('Idempotency-Key', key)
      .send({ range })
      .expect(202);
    return res.body.orchestrationId;
  }
  const status = async (id: string) =>
    (await request(t.http).get(`/v1/orchestrations/${id}`).set(auth())).body.status;

  it('registers devices once per token', async () => {
    const first = await request(t.http)
      .post('/v1/devices')
      .set(auth())
      .send({ platform: 'android', token: 'android-token-1' })
      .expect(201);
    const again = await request(t.http)
      .post('/v1/devices')
      .set(auth())
      .send({ platform: 'android', token: 'android-token-1' })
      .expect(200);
    expect(again.body.id).toBe(first.body.id);
    await request(t.http)
      .post('/v1/devices')
      .set(auth())
      .send({ platform: 'ios', token: 'ios-token-1' })
      .expect(201);
    const gone = await request(t.http)
      .post('/v1/devices')
      .set(auth())
      .send({ platform: 'web', token: 'stale-token' })
      .expect(201);
    fcm.behave('stale-token', { kind: 'unregistered' });
    await request(t.http).post('/v1/devices').set(auth()).send({ platform: 'pager', token: 'x' }).expect(422);
    expect(gone.body.platform).toBe('web');
  });

  it('sends exactly one N-05 per device for a fully successful sync, and removes an UNREGISTERED token', async () => {
    const id = await sync('n-ok', { preset: 'CUSTOM', startDate: '2025-01-01', endDate: '2025-03-31' });
    await eventually(async () => fcm.messagesFor(id).length === 2, 30_000, 'two pushes');
    await new Promise((r) => setTimeout(r, 1500)); // nothing more arrives
    const messages = fcm.messagesFor(id);
    expect(messages).toHaveLength(2);
    expect(messages.map((m) => m.message.token).sort()).toEqual(['android-token-1', 'ios-token-1']);
    for (const { message } of messages) {
      expect(message.notification).toEqual({ title: 'SyncWell', body: 'Your historical sync is complete.' });
      expect(message.data).toEqual({ type: 'N-05', orchestrationId: id });
      expect(message.android?.collapse_key).toBe(`sync-${id}`);
      expect(message.apns?.headers?.['apns-collapse-id']).toBe(`sync-${id}`);
    }
    expect(fcm.rejected).toEqual([]);
    const devices = await t.db.selectFrom('devices').select('token').where('user_id', '=', 'nora').execute();
    expect(devices.map((d) => d.token).sort()).toEqual(['android-token-1', 'ios-token-1']);
    const listed = await request(t.http).get('/v1/notifications').set(auth()).expect(200);
    const n = listed.body.items.find((i: { orchestrationId: string }) => i.orchestrationId === id);
    expect(n).toMatchObject({ code: 'N-05', title: 'SyncWell', body: 'Your historical sync is complete.' });
    expect(n.deliveries.map((d: { status: string }) => d.status).sort()).toEqual([
      'INVALID_TOKEN',
      'SENT',
      'SENT',
    ]);
  });

  it('sends exactly one N-06 for a sync with a failed chunk, and a new N-05 once retry-failed completes it', async () => {
    connector.script('2024-02-01', { kind: 'permanent' });
    const id = await sync('n-partial', { preset: 'CUSTOM', startDate: '2024-01-01', endDate: '2024-03-31' });
    await eventually(async () => fcm.messagesFor(id).length === 2, 30_000, 'the N-06 pushes');
    expect(await status(id)).toBe('COMPLETED_WITH_ERRORS');
    for (const { message } of fcm.messagesFor(id)) {
      expect(message.notification.body).toBe('Your historical sync finished with some errors.');
      expect(message.data).toEqual({ type: 'N-06', orchestrationId: id });
    }
    await request(t.http)
      .post(`/v1/orchestrations/${id}/retry-failed`)
      .set(auth())
      .set('Idempotency-Key', 'n-retry')
      .expect(202);
    await eventually(async () => fcm.messagesFor(id).length === 4, 30_000, 'the N-05 pushes after the retry');
    await new Promise((r) => setTimeout(r, 1500));
    expect(
      fcm
        .messagesFor(id)
        .map((m) => m.message.data.type)
        .sort(),
    ).toEqual(['N-05', 'N-05', 'N-06', 'N-06']);
    const rows = await t.db
      .selectFrom('notifications')
      .select(['code', 'round'])
      .where('orchestration_id', '=', id)
      .orderBy('round')
      .execute();
    expect(rows).toEqual([
      { code: 'N-06', round: 1 },
      { code: 'N-05', round: 2 },
    ]);
  });

  it('retries a busy FCM (429 with Retry-After) and still sends once', async () => {
    fcm.behave('android-token-1', { kind: 'busy', times: 1, retryAfter: 1 });
    const id = await sync('n-busy', { preset: 'CUSTOM', startDate: '2023-01-01', endDate: '2023-01-31' });
    await eventually(async () => fcm.messagesFor(id).length === 2, 30_000, 'both pushes');
    await new Promise((r) => setTimeout(r, 1000));
    expect(fcm.messagesFor(id)).toHaveLength(2);
  });

  it('does not notify for the automatic 7-day sync unless configured to', async () => {
    const connection = await createConnection(t, 'nora');
    const { SyncStartService } = await import('../src/modules/orchestration/sync-start.service.js');
    const initial = await t.db
      .transaction()
      .execute((trx) => t.app.get(SyncStartService).startInitialSync(trx, connection));
    await eventually(async () => (await status(initial.id)) === 'COMPLETED', 30_000, 'the 7-day sync');
    await new Promise((r) => setTimeout(r, 1000));
    expect(fcm.messagesFor(initial.id)).toEqual([]);
  });
});
