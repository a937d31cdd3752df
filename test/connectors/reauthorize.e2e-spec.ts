import request from 'supertest';
import { eventually } from '../support/app.js';
import {
  chunksOf,
  consent,
  connect,
  createSimAccount,
  finished,
  simAccount,
  startProviderStack,
  startSync,
  type ProviderStack,
} from '../support/providers.js';

/** Activities at the simulated Strava account whose external_id or description names a SyncWell key. */
async function stravaActivities(stack: ProviderStack, id: string): Promise<Array<Record<string, any>>> {
  return (await simAccount(stack.sims.strava, id)).activities as Array<Record<string, any>>;
}

/** Every start time appears once: nothing was written twice. */
function expectNoDuplicates(activities: Array<Record<string, any>>): void {
  const starts = activities.map((a) => `${a.start_date}|${a.sport_type}`);
  expect(new Set(starts).size).toBe(starts.length);
}

describe('a revoked grant: pause, one N-07, reauthorize, resume', () => {
  let stack: ProviderStack;

  beforeAll(async () => {
    stack = await startProviderStack({
      env: { CHUNK_USER_CONCURRENCY: '1', STRAVA_UPLOAD_FIRST_POLL_MS: '150', STRAVA_UPLOAD_POLL_MS: '50' },
      sim: { uploadProcessingMs: 100 },
    });
  });
  afterAll(() => stack.close());

  async function account(user: string, days: number) {
    const { sims, t } = stack;
    await createSimAccount(sims, 'fitbit', {
      id: `${user}-fitbit`,
      seed: user,
      historyDays: days,
      timezone: 'Europe/Berlin',
    });
    await createSimAccount(sims, 'strava', { id: `${user}-strava`, seed: `${user}-strava`, historyDays: 0 });
    const connection = await connect(t, user, {
      source: 'fitbit',
      sourceLogin: `${user}-fitbit`,
      destination: 'strava',
      destinationLogin: `${user}-strava`,
    });
    await finished(t, user, connection.initialSync.orchestrationId);
    return connection;
  }

  it('invalid_grant pauses the sync (REAUTH_REQUIRED, one N-07); reauthorize resumes it and every record lands once', async () => {
    const { sims, t } = stack;
    const connection = await account('rv', 200);
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
