import { sql } from 'kysely';
import request from 'supertest';
import { eventually } from '../support/app.js';
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

  it('a rotated Strava token whose save dies with its database connection is saved on a retry: nothing revoked', async () => {
    const { sims, t } = stack;
    const connection = await connectedFitbitToStrava(stack, 'rot', 90);
    const stravaTokens = async (): Promise<Record<string, number>> =>
      (await (await fetch(`${sims.strava.url}/_sim/requests`)).json())['oauth.token'] ?? {};
    const refreshesBefore = await stravaTokens();
    // the refresh holds its account's advisory lock while Strava answers (slowly); that connection dies
    await putJson(`${sims.strava.url}/_sim/faults`, { 'oauth.token': { latencyMs: 1500 } });
    await fetch(`${sims.strava.url}/_sim/accounts/rot-strava/expire-tokens`, { method: 'POST' });
    const id = await startSync(t, 'rot', connection.id, {
      preset: 'CUSTOM',
      startDate: '2026-08-01',
      endDate: '2026-10-31',
    });
    const killed = await eventually(
      async () => {
        const { rows } = await sql<{ pid: number }>`
          SELECT pg_terminate_backend(l.pid) AS ok, l.pid FROM pg_locks l
          JOIN provider_accounts a ON ((l.classid::bigint << 32) | l.objid::bigint)
            = hashtextextended('token-refresh:' || a.id, 0)
          WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        `.execute(t.db);
        return rows.length > 0 ? rows.length : undefined;
      },
      20_000,
      'a token refresh holding the account row',
    );
    expect(killed).toBe(1);
    const done = await finished(t, 'rot', id);
    await fetch(`${sims.strava.url}/_sim/faults`, { method: 'DELETE' });
    // Strava rotated the refresh token once; the old one is dead, so only the saved new one could go on
    expect(done).toMatchObject({ status: 'COMPLETED', failedChunks: 0 });
    const me = await request(t.http)
      .get(`/v1/connections/${connection.id}`)
      .set('Authorization', `Bearer ${t.token('rot')}`)
      .expect(200);
    expect(me.body.status).toBe('ACTIVE');
    const after = await stravaTokens();
    expect(after['400'] ?? 0).toBe(refreshesBefore['400'] ?? 0); // no invalid_grant
    expect(after['200']).toBe((refreshesBefore['200'] ?? 0) + 1); // one refresh: its grant was kept
    const account = await t.db
      .selectFrom('provider_accounts as a')
      .innerJoin('connections as c', 'c.destination_account_id', 'a.id')
      .select(['a.status', 'a.revoked_at'])
      .where('c.id', '=', connection.id)
      .executeTakeFirstOrThrow();
    expect(account).toEqual({ status: 'ACTIVE', revoked_at: null });
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
