import request from 'supertest';
import {
  chunksOf,
  connect,
  finished,
  startRevocationStack,
  connectedFitbitToStrava,
  stravaActivities,
  expectNoDuplicates,
  startSync,
  type ProviderStack,
  putJson,
} from '../support/providers.js';

describe('token endpoint faults and reconnecting the same accounts', () => {
  let stack: ProviderStack;

  beforeAll(async () => {
    stack = await startRevocationStack();
  });
  afterAll(() => stack.close());

  it('a 429 from the token endpoint (with Retry-After) makes the chunk wait, then complete: nothing revoked', async () => {
    const { sims, t } = stack;
    const connection = await connectedFitbitToStrava(stack, 'tk', 150);
    await putJson(`${sims.google.url}/_sim/faults`, {
      'oauth.token': { burst429: 4, burstRetryAfterSeconds: 1 },
    });
    await fetch(`${sims.google.url}/_sim/accounts/tk-fitbit/expire-tokens`, { method: 'POST' });
    const id = await startSync(t, 'tk', connection.id, {
      preset: 'CUSTOM',
      startDate: '2026-08-01',
      endDate: '2026-10-31',
    });
    const done = await finished(t, 'tk', id);
    await fetch(`${sims.google.url}/_sim/faults`, { method: 'DELETE' });
    expect(done).toMatchObject({ status: 'COMPLETED', failedChunks: 0 });
    const google = await (await fetch(`${sims.google.url}/_sim/requests`)).json();
    expect(google['oauth.token']['429']).toBeGreaterThan(0); // the storm did hit the token endpoint
    const me = await request(t.http)
      .get(`/v1/connections/${connection.id}`)
      .set('Authorization', `Bearer ${t.token('tk')}`)
      .expect(200);
    expect(me.body.status).toBe('ACTIVE');
  }, 300_000);

  it('deleting and re-creating a connection, then syncing again, writes nothing new at the destination', async () => {
    const { t } = stack;
    const first = await connectedFitbitToStrava(stack, 'rc', 120);
    const range = { preset: 'CUSTOM', startDate: '2026-08-01', endDate: '2026-10-31' };
    expect(await finished(t, 'rc', await startSync(t, 'rc', first.id, range))).toMatchObject({
      status: 'COMPLETED',
    });
    const before = await stravaActivities(stack, 'rc-strava');
    expect(before.length).toBeGreaterThan(0);
    await request(t.http)
      .delete(`/v1/connections/${first.id}`)
      .set('Authorization', `Bearer ${t.token('rc')}`)
      .expect(204);

    const second = await connect(t, 'rc', {
      source: 'fitbit',
      sourceLogin: 'rc-fitbit',
      destination: 'strava',
      destinationLogin: 'rc-strava',
    });
    await finished(t, 'rc', second.initialSync.orchestrationId);
    const id = await startSync(t, 'rc', second.id, range);
    expect(await finished(t, 'rc', id)).toMatchObject({ status: 'COMPLETED' });
    const after = await stravaActivities(stack, 'rc-strava');
    expect(after.length).toBe(before.length);
    expectNoDuplicates(after);
    const chunks = await chunksOf(t, 'rc', id);
    expect(chunks.reduce((n, c) => n + c.recordsWritten, 0)).toBe(0);
    expect(chunks.reduce((n, c) => n + c.recordsSkipped, 0)).toBeGreaterThan(0);
  }, 300_000);
});
