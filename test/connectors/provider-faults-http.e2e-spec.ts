import request from 'supertest';
import { grantPro } from '../support/fixtures.js';
import {
  connectedFitbitToStrava,
  consent,
  type ProviderStack,
  putJson,
  startRevocationStack,
  userAccounts,
} from '../support/providers.js';

/**
 * A provider fault while answering a request is never a 500: 503 PROVIDER_UNAVAILABLE with
 * Retry-After, and nothing is stored (issue 16's acceptance, over HTTP against the simulators).
 */
describe('provider faults answered over HTTP', () => {
  let stack: ProviderStack;

  beforeAll(async () => {
    stack = await startRevocationStack();
  });
  afterAll(() => stack.close());
  afterEach(async () => {
    for (const sim of [stack.sims.google, stack.sims.strava])
      await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
  });

  async function connectBody(user: string) {
    await userAccounts(stack, user, { historyDays: 30 });
    return {
      source: await consent(stack.t, user, 'fitbit', `${user}-fitbit`),
      destination: await consent(stack.t, user, 'strava', `${user}-strava`),
    };
  }

  async function expectUnavailable(res: request.Response) {
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.body).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', status: 503 });
  }

  it('a Google 503 at connect time answers 503 with Retry-After, and nothing is stored', async () => {
    const { sims, t } = stack;
    const body = await connectBody('g5');
    await putJson(`${sims.google.url}/_sim/faults`, { 'oauth.token': { errorRate: 1, errorStatus: 503 } });
    const res = await request(t.http)
      .post('/v1/connections')
      .set('Authorization', `Bearer ${t.token('g5')}`)
      .send(body);
    await expectUnavailable(res);
    const rows = await t.db.selectFrom('connections').selectAll().where('user_id', '=', 'g5').execute();
    expect(rows).toEqual([]);
  });

  it('a Strava token exchange that times out answers 503 with Retry-After', async () => {
    const { sims, t } = stack;
    const body = await connectBody('st');
    await putJson(`${sims.strava.url}/_sim/faults`, { 'oauth.token': { timeoutRate: 1 } });
    const res = await request(t.http)
      .post('/v1/connections')
      .set('Authorization', `Bearer ${t.token('st')}`)
      .send(body);
    await expectUnavailable(res);
  }, 60_000);

  it('a provider 429 while an ALL_TIME sync looks for the first data answers 503 with Retry-After', async () => {
    const { sims, t } = stack;
    const connection = await connectedFitbitToStrava(stack, 'at', 60);
    await grantPro(t, 'at');
    await putJson(`${sims.google.url}/_sim/faults`, {
      'profile.get': { burst429: 50, burstRetryAfterSeconds: 30 },
    });
    const res = await request(t.http)
      .post(`/v1/connections/${connection.id}/historical-syncs`)
      .set('Authorization', `Bearer ${t.token('at')}`)
      .set('Idempotency-Key', 'all-time-429')
      .send({ range: { preset: 'ALL_TIME' } });
    await expectUnavailable(res);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const syncs = await t.db
      .selectFrom('orchestrations')
      .select('id')
      .where('connection_id', '=', connection.id)
      .where('kind', '=', 'HISTORICAL')
      .execute();
    expect(syncs).toEqual([]);
  });
});
