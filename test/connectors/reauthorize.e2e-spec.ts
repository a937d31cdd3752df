import request from 'supertest';
import { eventually } from '../support/app.js';
import {
  chunksOf,
  consent,
  createSimAccount,
  finished,
  startRevocationStack,
  connectedFitbitToStrava,
  stravaActivities,
  expectNoDuplicates,
  startSync,
  type ProviderStack,
} from '../support/providers.js';

describe('a revoked grant: pause, one N-07, reauthorize, resume', () => {
  let stack: ProviderStack;

  beforeAll(async () => {
    stack = await startRevocationStack();
  });
  afterAll(() => stack.close());

  it('invalid_grant pauses the sync (REAUTH_REQUIRED, one N-07); reauthorize resumes it and every record lands once', async () => {
    const { sims, t } = stack;
    const connection = await connectedFitbitToStrava(stack, 'rv', 200);
    await request(t.http)
      .post('/v1/devices')
      .set('Authorization', `Bearer ${t.token('rv')}`)
      .send({ platform: 'android', token: 'rv-device' })
      .expect(201);
    const id = await startSync(t, 'rv', connection.id, {
      preset: 'CUSTOM',
      startDate: '2026-06-01',
      endDate: '2026-10-31',
    });
    await eventually(
      async () => (await chunksOf(t, 'rv', id)).some((c) => c.status === 'COMPLETED'),
      120_000,
    );
    await fetch(`${sims.strava.url}/_sim/accounts/rv-strava/revoke`, { method: 'POST' });
    await fetch(`${sims.strava.url}/_sim/accounts/rv-strava/expire-tokens`, { method: 'POST' });

    const paused = await eventually(async () => {
      const res = await request(t.http)
        .get(`/v1/orchestrations/${id}`)
        .set('Authorization', `Bearer ${t.token('rv')}`);
      return res.body.status === 'PAUSED' ? res.body : undefined;
    }, 60_000);
    expect(paused).toMatchObject({ pauseReason: 'REAUTH_REQUIRED', failedChunks: 0 });
    const conn = await request(t.http)
      .get(`/v1/connections/${connection.id}`)
      .set('Authorization', `Bearer ${t.token('rv')}`)
      .expect(200);
    expect(conn.body).toMatchObject({ status: 'REAUTH_REQUIRED', reauth: { provider: 'strava' } });
    // wait until running chunks have settled: none FAILED, the rest PENDING
    const chunks = await eventually(async () => {
      const items = await chunksOf(t, 'rv', id);
      return items.every((c) => c.status !== 'RUNNING') ? items : undefined;
    }, 60_000);
    expect(chunks.filter((c) => c.status === 'FAILED')).toEqual([]);
    expect(chunks.some((c) => c.status === 'PENDING')).toBe(true);
    await request(t.http)
      .post(`/v1/orchestrations/${id}/resume`)
      .set('Authorization', `Bearer ${t.token('rv')}`)
      .expect(409);

    const notes = await eventually(async () => {
      const res = await request(t.http)
        .get('/v1/notifications')
        .set('Authorization', `Bearer ${t.token('rv')}`);
      const n07 = res.body.items.filter((n: any) => n.code === 'N-07');
      return n07.length > 0 ? n07 : undefined;
    });
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({
      connectionId: connection.id,
      orchestrationId: null,
      body: 'Reconnect Strava to finish your historical sync.',
    });

    // a code of another Strava account is refused and changes nothing
    await createSimAccount(sims, 'strava', { id: 'rv-other', seed: 'rv-other', historyDays: 0 });
    await request(t.http)
      .post(`/v1/connections/${connection.id}/reauthorize`)
      .set('Authorization', `Bearer ${t.token('rv')}`)
      .send(await consent(t, 'rv', 'strava', 'rv-other'))
      .expect(422);
    const again = await consent(t, 'rv', 'strava', 'rv-strava'); // consenting again restores access
    // the state is bound to its user: another user cannot redeem it, and nothing changes
    await request(t.http)
      .post(`/v1/connections/${connection.id}/reauthorize`)
      .set('Authorization', `Bearer ${t.token('mallory')}`)
      .send(again)
      .expect(404);
    const reauth = await request(t.http)
      .post(`/v1/connections/${connection.id}/reauthorize`)
      .set('Authorization', `Bearer ${t.token('rv')}`)
      .send(again)
      .expect(200);
    expect(reauth.body.status).toBe('ACTIVE');
    expect(reauth.body.reauth).toBeUndefined();

    const done = await finished(t, 'rv', id);
    expect(done).toMatchObject({ status: 'COMPLETED', failedChunks: 0, completedChunks: 5 });
    const landed = await stravaActivities(stack, 'rv-strava');
    expectNoDuplicates(landed);
    const written = (await chunksOf(t, 'rv', id)).reduce((n, c) => n + c.recordsWritten, 0);
    expect(written).toBeGreaterThan(0);
    const n07 = await request(t.http)
      .get('/v1/notifications')
      .set('Authorization', `Bearer ${t.token('rv')}`);
    expect(n07.body.items.filter((n: any) => n.code === 'N-07')).toHaveLength(1);
  }, 300_000);
});
