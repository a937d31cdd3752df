import request from 'supertest';
import {
  connect,
  consent,
  finished,
  type ProviderStack,
  REDIRECT,
  startProviderStack,
  startSync,
  userAccounts,
} from '../support/providers.js';

describe('connections API (US-31)', () => {
  let stack: ProviderStack;
  const auth = (user: string) => ({ Authorization: `Bearer ${stack.t.token(user)}` });

  beforeAll(async () => {
    stack = await startProviderStack();
    await userAccounts(stack, 'gus', { historyDays: 900 });
  });
  afterAll(() => stack.close());

  it('connects a FREE user’s accounts and runs the automatic 7-day sync to completion', async () => {
    const { t } = stack;
    const connection = await connect(t, 'gus', {
      source: 'fitbit',
      sourceLogin: 'gus-fitbit',
      destination: 'strava',
      destinationLogin: 'gus-strava',
    });
    expect(connection).toMatchObject({
      source: { provider: 'fitbit' },
      destination: { provider: 'strava' },
      timezone: 'Europe/Berlin',
      status: 'ACTIVE',
    });
    expect((await request(t.http).get('/v1/me/entitlement').set(auth('gus'))).body.tier).toBe('FREE');
    const initial = await finished(t, 'gus', connection.initialSync.orchestrationId);
    expect(initial).toMatchObject({ kind: 'INITIAL_7_DAY', status: 'COMPLETED', totalChunks: 1 });

    const listed = await request(t.http).get('/v1/connections').set(auth('gus')).expect(200);
    expect(listed.body.items.map((c: { id: string }) => c.id)).toEqual([connection.id]);
    const one = await request(t.http).get(`/v1/connections/${connection.id}`).set(auth('gus')).expect(200);
    expect(one.body.initialSync).toEqual({ orchestrationId: connection.initialSync.orchestrationId });
    await request(t.http).get(`/v1/connections/${connection.id}`).set(auth('someone-else')).expect(404);

    // the tokens are stored encrypted: no token text in the row
    const accounts = await t.db
      .selectFrom('provider_accounts')
      .selectAll()
      .where('user_id', '=', 'gus')
      .execute();
    expect(accounts).toHaveLength(2);
    for (const a of accounts) {
      expect(a.access_token.toString('latin1')).not.toMatch(/ya29\.|st_a_/);
      expect(a.refresh_token!.toString('latin1')).not.toMatch(/ya29\.|st_r_/);
    }
  });

  it('answers 422 PROVIDER_AUTH_FAILED for a rejected code and 422 VALIDATION_FAILED for a bad body, creating nothing', async () => {
    const { t } = stack;
    const before = await t.db.selectFrom('connections').select('id').execute();
    const good = await consent(t, 'hal', 'strava', 'hal-strava');
    const source = await consent(t, 'hal', 'fitbit', 'hal-fitbit');
    const res = await request(t.http)
      .post('/v1/connections')
      .set(auth('hal'))
      .send({ source: { ...source, authorizationCode: 'not-a-code' }, destination: good })
      .expect(422);
    expect(res.body).toMatchObject({
      code: 'PROVIDER_AUTH_FAILED',
      errors: [{ field: 'source.authorizationCode' }],
    });
    const state = 's';
    for (const body of [
      {
        source: { provider: 'garmin', authorizationCode: 'x', redirectUri: REDIRECT, state },
        destination: { provider: 'strava', authorizationCode: 'y', redirectUri: REDIRECT, state },
      },
      {
        source: { provider: 'strava', authorizationCode: 'x', redirectUri: REDIRECT, state },
        destination: { provider: 'strava', authorizationCode: 'y', redirectUri: REDIRECT, state },
      },
      {
        source: { provider: 'fitbit', authorizationCode: 'x', redirectUri: 'not a url', state },
        destination: { provider: 'strava', authorizationCode: 'y', redirectUri: REDIRECT, state },
      },
      {
        source: { provider: 'fitbit', authorizationCode: 'x', redirectUri: REDIRECT, state },
        destination: { provider: 'strava', authorizationCode: 'y', redirectUri: REDIRECT, state },
        timezone: 'Mars/Olympus',
      },
      {
        // the server's state is required
        source: { provider: 'fitbit', authorizationCode: 'x', redirectUri: REDIRECT },
        destination: { provider: 'strava', authorizationCode: 'y', redirectUri: REDIRECT },
      },
    ]) {
      const r = await request(t.http).post('/v1/connections').set(auth('hal')).send(body).expect(422);
      expect(r.body.code).toBe('VALIDATION_FAILED');
    }
    expect(await t.db.selectFrom('connections').select('id').execute()).toHaveLength(before.length);
  });

  it('replays a connection request with the same Idempotency-Key instead of failing on the spent codes', async () => {
    const { t } = stack;
    const body = {
      source: await consent(t, 'ivy', 'fitbit', 'ivy-fitbit'),
      destination: await consent(t, 'ivy', 'strava', 'ivy-strava'),
    };
    const first = await request(t.http)
      .post('/v1/connections')
      .set(auth('ivy'))
      .set('Idempotency-Key', 'c-1')
      .send(body)
      .expect(201);
    const again = await request(t.http)
      .post('/v1/connections')
      .set(auth('ivy'))
      .set('Idempotency-Key', 'c-1')
      .send(body)
      .expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(first.body.timezone).toBe('UTC');
  });

  it('estimates and starts ALL_TIME from the source account’s first data (its Google membership start)', async () => {
    const { t } = stack;
    const connection = await connect(t, 'jo', {
      source: 'fitbit',
      sourceLogin: 'gus-fitbit',
      destination: 'strava',
      destinationLogin: 'jo-strava',
    });
    await stack.t.app
      .get((await import('../../src/modules/entitlements/entitlements.service.js')).EntitlementsService)
      .set('jo', 'PRO', null);
    const estimate = await request(t.http)
      .get(`/v1/connections/${connection.id}/historical-syncs/estimate?preset=ALL_TIME`)
      .set(auth('jo'))
      .expect(200);
    const profile = (await (await fetch(`${stack.sims.google.url}/_sim/accounts/gus-fitbit`)).json())
      .membershipStartDate;
    expect(estimate.body.startDate).toBe(profile);
    expect(estimate.body.totalChunks).toBeGreaterThanOrEqual(29);
    expect(estimate.body.estimatedApiCalls.source).toBeGreaterThan(100);
  });

  it('deletes a connection and cancels its running syncs', async () => {
    const { t } = stack;
    const connection = await connect(t, 'kai', {
      source: 'fitbit',
      sourceLogin: 'gus-fitbit',
      destination: 'strava',
      destinationLogin: 'kai-strava',
    });
    const id = await startSync(t, 'kai', connection.id, { preset: 'LAST_YEAR' });
    await request(t.http).delete(`/v1/connections/${connection.id}`).set(auth('kai')).expect(204);
    const o = await request(t.http).get(`/v1/orchestrations/${id}`).set(auth('kai')).expect(200);
    expect(o.body.status).toBe('CANCELLED');
    await request(t.http).get(`/v1/connections/${connection.id}`).set(auth('kai')).expect(404);
    await request(t.http).delete(`/v1/connections/${connection.id}`).set(auth('kai')).expect(404);
  });
});
