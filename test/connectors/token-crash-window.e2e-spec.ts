import { once } from 'node:events';
import { sql } from 'kysely';
import request from 'supertest';
import { TokenService } from '../../src/modules/providers/tokens/token.service.js';
import { eventually, testEnv } from '../support/app.js';
import { spawnTs, waitForOutput } from '../support/process.js';
import {
  connectedFitbitToStrava,
  finished,
  providerEnv,
  startRevocationStack,
  startSync,
  type ProviderStack,
} from '../support/providers.js';

/** The push notifications that asked `user` to reconnect (N-07). */
async function reconnectNotices(stack: ProviderStack, user: string): Promise<number> {
  return (
    await stack.t.db
      .selectFrom('notifications')
      .select('id')
      .where('user_id', '=', user)
      .where('code', '=', 'N-07')
      .execute()
  ).length;
}

/**
 * Strava retires a refresh token the moment it answers with a new one (rotation), so the grant it
 * issued is the account's only one until it is saved. These tests make that save fail right after
 * Strava answered (the TokenService fault hook) and check that nobody is asked to reconnect.
 */
describe('the token crash window: a rotated grant whose save fails', () => {
  let stack: ProviderStack;
  let tokens: TokenService;

  beforeAll(async () => {
    stack = await startRevocationStack();
    tokens = stack.t.app.get(TokenService);
  });
  afterEach(() => {
    tokens.faults.afterIssued = undefined;
  });
  afterAll(() => stack.close());

  const stravaTokenAnswers = async (): Promise<Record<string, number>> =>
    (await (await fetch(`${stack.sims.strava.url}/_sim/requests`)).json())['oauth.token'] ?? {};

  const stravaAccount = (user: string) =>
    stack.t.db
      .selectFrom('provider_accounts')
      .select(['id', 'status', 'revoked_at', 'token_version'])
      .where('user_id', '=', user)
      .where('provider', '=', 'strava')
      .executeTakeFirstOrThrow();

  async function expectSyncedWithoutReconnect(user: string, connectionId: string, id: string) {
    expect(await finished(stack.t, user, id)).toMatchObject({ status: 'COMPLETED', failedChunks: 0 });
    const me = await request(stack.t.http)
      .get(`/v1/connections/${connectionId}`)
      .set('Authorization', `Bearer ${stack.t.token(user)}`)
      .expect(200);
    expect(me.body.status).toBe('ACTIVE');
    expect(await stravaAccount(user)).toMatchObject({ status: 'ACTIVE', revoked_at: null });
    expect(await reconnectNotices(stack, user)).toBe(0);
  }

  const range = { preset: 'CUSTOM', startDate: '2026-08-01', endDate: '2026-10-31' };

  it('a save that fails once after Strava rotated the refresh token is retried from memory: no reconnect', async () => {
    const { sims, t } = stack;
    const connection = await connectedFitbitToStrava(stack, 'cw', 90);
    const before = await stravaTokenAnswers();
    let failed = 0;
    tokens.faults.afterIssued = (_accountId, provider) => {
      if (provider !== 'strava' || failed > 0) return;
      failed++;
      throw new Error('fault: the save after the provider answered was lost');
    };
    await fetch(`${sims.strava.url}/_sim/accounts/cw-strava/expire-tokens`, { method: 'POST' });
    const id = await startSync(t, 'cw', connection.id, range);
    await expectSyncedWithoutReconnect('cw', connection.id, id);
    expect(failed).toBe(1);
    const after = await stravaTokenAnswers();
    expect(after['200']).toBe((before['200'] ?? 0) + 1); // one refresh: its grant was kept
    expect(after['400'] ?? 0).toBe(before['400'] ?? 0); // the dead refresh token was never sent again
  }, 300_000);

  it('a refresh racing the kept grant with the dead refresh token does not revoke: the kept save wins', async () => {
    const { sims, t } = stack;
    const connection = await connectedFitbitToStrava(stack, 'cr', 90);
    const account = await stravaAccount('cr');
    const before = await stravaTokenAnswers();
    let racer: Promise<string> | undefined;
    tokens.faults.afterIssued = async (accountId, provider) => {
      if (provider !== 'strava' || racer) return;
      // our database connection (and the refresh lock with it) dies after Strava answered, so
      // another refresh gets in with the refresh token Strava just retired
      await sql`
        SELECT pg_terminate_backend(l.pid) FROM pg_locks l
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended(${`token-refresh:${accountId}`}, 0)
      `.execute(t.db);
      racer = tokens.accessToken(accountId);
      await new Promise((r) => setTimeout(r, 300)); // the racer asks Strava and hears invalid_grant
      throw new Error('fault: the save after the provider answered was lost');
    };
    // due for a refresh as the service sees it, so the racer refreshes too
    await t.db
      .updateTable('provider_accounts')
      .set({ access_token_expires_at: sql`now() - interval '10 minutes'` })
      .where('id', '=', account.id)
      .execute();
    await fetch(`${sims.strava.url}/_sim/accounts/cr-strava/expire-tokens`, { method: 'POST' });
    const id = await startSync(t, 'cr', connection.id, range);
    await expectSyncedWithoutReconnect('cr', connection.id, id);
    expect(racer).toBeDefined();
    const raced = await racer!;
    const after = await stravaTokenAnswers();
    expect(after['200']).toBe((before['200'] ?? 0) + 1); // the one grant Strava issued
    expect(after['400']).toBe((before['400'] ?? 0) + 1); // the racer's dead refresh token
    expect((await stravaAccount('cr')).token_version).toBeGreaterThan(account.token_version);
    expect(typeof raced).toBe('string'); // the racer went on with the kept grant
  }, 300_000);
});

/**
 * A worker killed while a refresh is in flight. The refresh runs in the worker's token refresh
 * process, which outlives it, hears Strava's answer and saves the rotated grant: no reconnect.
 * What no client can close: the process holding the answer dying before the save (here the fault
 * hook, which refreshes in the worker's own process). Strava has already retired the refresh token
 * we hold; the next refresh can only hear invalid_grant, and the user is asked to reconnect.
 */
describe('the token crash window: a worker killed mid-refresh', () => {
  let stack: ProviderStack;

  beforeAll(async () => {
    stack = await startRevocationStack();
  });
  afterAll(() => stack.close());

  /**
   * A user with a Fitbit -> Strava connection whose Strava token is due for a refresh (as the
   * service sees it), and the Strava token endpoint's answers so far, by status.
   */
  async function dueForRefresh(user: string) {
    const { sims, t } = stack;
    const connection = await connectedFitbitToStrava(stack, user, 90);
    const account = await t.db
      .selectFrom('provider_accounts')
      .select(['id', 'token_version'])
      .where('user_id', '=', user)
      .where('provider', '=', 'strava')
      .executeTakeFirstOrThrow();
    const answers = async (): Promise<Record<string, number>> =>
      (await (await fetch(`${sims.strava.url}/_sim/requests`)).json())['oauth.token'] ?? {};
    const before = await answers();
    await t.db
      .updateTable('provider_accounts')
      .set({ access_token_expires_at: sql`now() - interval '10 minutes'` })
      .where('id', '=', account.id)
      .execute();
    return { connection, account, answers, before };
  }

  it('a worker SIGKILLed while Strava answers its refresh: the refresh process saves the grant, no reconnect', async () => {
    const { sims, t } = stack;
    const { connection, account, answers, before } = await dueForRefresh('cf');
    // Strava takes 4 s to answer; the worker is killed 1.5 s into the wait
    await fetch(`${sims.strava.url}/_sim/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ 'oauth.token': { latencyMs: 4000 } }),
    });
    try {
      const doomed = spawnTs('test/support/token-killed-in-flight.ts', {
        ...testEnv(t.databaseUrl, { ...providerEnv(sims, 0.01), ROLE: 'api' }),
        ACCOUNT_ID: account.id,
      });
      await waitForOutput(doomed, /refreshing \d+/);
      const refresherPid = Number(/refreshing (\d+)/.exec(doomed.output())![1]);
      await new Promise((r) => setTimeout(r, 1500));
      doomed.kill('SIGKILL');
      const [code, signal] = (await once(doomed, 'exit')) as [number | null, string | null];
      expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
      expect(doomed.output()).not.toContain('saved');
      const saved = await eventually(
        async () => {
          const row = await t.db
            .selectFrom('provider_accounts')
            .select(['status', 'token_version'])
            .where('id', '=', account.id)
            .executeTakeFirstOrThrow();
          return row.token_version > account.token_version ? row : undefined;
        },
        30_000,
        'the refresh process to save the rotated grant',
      );
      expect(saved).toMatchObject({ status: 'ACTIVE', token_version: account.token_version + 1 });
      expect((await answers())['200']).toBe((before['200'] ?? 0) + 1); // Strava rotated once
      // its work done and its parent gone, the refresh process exits
      await eventually(
        async () => {
          try {
            process.kill(refresherPid, 0);
            return undefined;
          } catch {
            return true;
          }
        },
        10_000,
        'the orphaned refresh process to exit',
      );
    } finally {
      await fetch(`${sims.strava.url}/_sim/faults`, { method: 'DELETE' });
    }

    // the next sync refreshes with the saved grant: no invalid_grant, no reconnect
    await fetch(`${sims.strava.url}/_sim/accounts/cf-strava/expire-tokens`, { method: 'POST' });
    const id = await startSync(t, 'cf', connection.id, {
      preset: 'CUSTOM',
      startDate: '2026-08-01',
      endDate: '2026-10-31',
    });
    expect(await finished(t, 'cf', id)).toMatchObject({ status: 'COMPLETED', failedChunks: 0 });
    expect((await answers())['400'] ?? 0).toBe(before['400'] ?? 0);
    expect(await reconnectNotices(stack, 'cf')).toBe(0);
  }, 300_000);

  it('the process holding the answer killed before the save loses the grant: a reconnect (not fixable client-side)', async () => {
    const { sims, t } = stack;
    const { connection, account, answers, before } = await dueForRefresh('ck');
    const doomed = spawnTs('test/support/token-killed-after-answer.ts', {
      ...testEnv(t.databaseUrl, { ...providerEnv(sims, 0.01), ROLE: 'api' }),
      ACCOUNT_ID: account.id,
    });
    const [code, signal] = (await once(doomed, 'exit')) as [number | null, string | null];
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
    expect(doomed.output()).toContain('issued');
    expect((await answers())['200']).toBe((before['200'] ?? 0) + 1); // Strava rotated; nobody saved it

    await fetch(`${sims.strava.url}/_sim/accounts/ck-strava/expire-tokens`, { method: 'POST' });
    const id = await startSync(t, 'ck', connection.id, {
      preset: 'CUSTOM',
      startDate: '2026-08-01',
      endDate: '2026-10-31',
    });
    const paused = await eventually(
      async () => {
        const res = await request(t.http)
          .get(`/v1/orchestrations/${id}`)
          .set('Authorization', `Bearer ${t.token('ck')}`);
        return ['PAUSED', 'COMPLETED', 'FAILED'].includes(res.body.status) ? res.body : undefined;
      },
      60_000,
      'the sync to pause for a reconnect',
    );
    expect(paused).toMatchObject({ status: 'PAUSED', pauseReason: 'REAUTH_REQUIRED' });
    expect((await answers())['400']).toBe((before['400'] ?? 0) + 1); // the retired refresh token
    expect(await reconnectNotices(stack, 'ck')).toBe(1);
  }, 300_000);
});
