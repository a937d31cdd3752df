import { createHash } from 'node:crypto';
import request from 'supertest';
import { exchange } from '../support/sim-client.js';
import {
  consent,
  createSimAccount,
  REDIRECT,
  startProviderStack,
  type ProviderStack,
} from '../support/providers.js';

describe('security: the OAuth consent is bound to its user, provider, redirect URI and server', () => {
  let stack: ProviderStack;
  const auth = (user: string) => ({ Authorization: `Bearer ${stack.t.token(user)}` });
  const stored = async () => ({
    connections: (await stack.t.db.selectFrom('connections').select('id').execute()).length,
    accounts: (await stack.t.db.selectFrom('provider_accounts').select('id').execute()).length,
  });
  const authorizeUrl = (user: string, query: Record<string, string>) =>
    request(stack.t.http).get('/v1/connections/authorize-url').query(query).set(auth(user));

  beforeAll(async () => {
    stack = await startProviderStack();
    await createSimAccount(stack.sims, 'fitbit', { id: 'amy-fitbit', seed: 'amy', historyDays: 30 });
  });
  afterAll(() => stack.close());

  it('issues a server state bound to the caller, valid for at least 10 minutes, and ignores a client state', async () => {
    const before = Date.now();
    const res = await authorizeUrl('amy', {
      provider: 'strava',
      redirectUri: REDIRECT,
      state: 'client-chosen',
    }).expect(200);
    expect(res.body).toEqual({
      url: expect.any(String),
      state: expect.any(String),
      expiresAt: expect.any(String),
    });
    expect(res.body.state).not.toBe('client-chosen');
    expect(res.body.state.length).toBeGreaterThanOrEqual(43);
    expect(Date.parse(res.body.expiresAt) - before).toBeGreaterThanOrEqual(10 * 60_000);
    expect(new URL(res.body.url).searchParams.get('state')).toBe(res.body.state);
    // the server keeps only a hash of it
    const rows = await stack.t.db
      .selectFrom('oauth_states')
      .selectAll()
      .where('user_id', '=', 'amy')
      .execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(res.body.state);
    // a client state is still validated
    await authorizeUrl('amy', { provider: 'strava', redirectUri: REDIRECT, state: 'x'.repeat(513) }).expect(
      422,
    );
  });

  it('refuses a redirect URI that is not on the allowlist (exact match) with 422', async () => {
    for (const redirectUri of [
      'https://evil.example/steal',
      `${REDIRECT}/extra`,
      `${REDIRECT}?x=1`,
      REDIRECT.replace('https:', 'http:'),
      'http://user:pw@127.0.0.1:9/cb',
      'http://127.0.0.2/cb',
    ]) {
      const res = await authorizeUrl('amy', { provider: 'fitbit', redirectUri });
      expect([redirectUri, res.status, res.body.code]).toEqual([redirectUri, 422, 'VALIDATION_FAILED']);
    }
    // loopback URIs on any port are allowed by default (RFC 8252), as is the configured one
    for (const redirectUri of [
      REDIRECT,
      'http://127.0.0.1:53124/cb',
      'http://[::1]:80/cb',
      'http://localhost/cb',
    ]) {
      const res = await authorizeUrl('amy', { provider: 'fitbit', redirectUri });
      expect([redirectUri, res.status]).toEqual([redirectUri, 200]);
    }
  });

  it('sends a PKCE S256 challenge to Google (Fitbit) and none to Strava; the simulator checks the verifier', async () => {
    const fitbit = new URL(
      (await authorizeUrl('amy', { provider: 'fitbit', redirectUri: REDIRECT })).body.url,
    );
    expect(fitbit.searchParams.get('code_challenge_method')).toBe('S256');
    expect(fitbit.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const strava = new URL(
      (await authorizeUrl('amy', { provider: 'strava', redirectUri: REDIRECT })).body.url,
    );
    expect(strava.searchParams.has('code_challenge')).toBe(false);

    // a code issued with a challenge does not redeem without (or with a wrong) verifier
    const verifier = 'v'.repeat(43);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const codeFor = async () => {
      const url = new URL(fitbit);
      url.searchParams.set('code_challenge', challenge);
      url.searchParams.set('login_hint', 'amy-fitbit');
      const res = await fetch(url, { redirect: 'manual' });
      return new URL(res.headers.get('location')!).searchParams.get('code')!;
    };
    const tokenUrl = stack.sims.endpoints.fitbit.tokenUrl;
    const form = (code: string) => ({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    expect((await exchange(tokenUrl, form(await codeFor()))).body.error).toBe('invalid_grant');
    expect(
      (await exchange(tokenUrl, { ...form(await codeFor()), code_verifier: 'w'.repeat(43) })).body.error,
    ).toBe('invalid_grant');
    const ok = await exchange(tokenUrl, { ...form(await codeFor()), code_verifier: verifier });
    expect(ok.status).toBe(200);
  });

  it('refuses a code redeemed by another user (their state or their own), storing nothing', async () => {
    const before = await stored();
    const source = await consent(stack.t, 'amy', 'fitbit', 'amy-fitbit');
    const destination = await consent(stack.t, 'amy', 'strava', 'amy-strava');
    // bob replays amy's whole redirect (code and state)
    const stolen = await request(stack.t.http)
      .post('/v1/connections')
      .set(auth('bob'))
      .send({ source, destination });
    expect(stolen.status).toBe(422);
    expect(stolen.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'source.state' }] });
    // bob pairs amy's code with a state of his own
    const bobs = (await authorizeUrl('bob', { provider: 'fitbit', redirectUri: REDIRECT })).body.state;
    const bobsStrava = (await authorizeUrl('bob', { provider: 'strava', redirectUri: REDIRECT })).body.state;
    const mixed = await request(stack.t.http)
      .post('/v1/connections')
      .set(auth('bob'))
      .send({ source: { ...source, state: bobs }, destination: { ...destination, state: bobsStrava } });
    expect(mixed.status).toBe(422); // the code was issued for amy's PKCE challenge
    expect(await stored()).toEqual(before);
    // amy's own consent still works: bob's attempts neither spent nor stole it ...
    // (her fitbit code was spent by bob's second attempt at the provider, so she consents again there)
    const again = await consent(stack.t, 'amy', 'fitbit', 'amy-fitbit');
    await request(stack.t.http)
      .post('/v1/connections')
      .set(auth('amy'))
      .send({ source: again, destination })
      .expect(201);
  });

  it('refuses a missing, reused, expired, other-provider or other-redirect state with 422, storing nothing', async () => {
    const before = await stored();
    const post = (source: object, destination: object) =>
      request(stack.t.http).post('/v1/connections').set(auth('cy')).send({ source, destination });
    const destination = await consent(stack.t, 'cy', 'strava', 'cy-strava');

    const missing = await consent(stack.t, 'cy', 'fitbit', 'amy-fitbit');
    const { state: _omitted, ...withoutState } = missing;
    expect((await post(withoutState, destination)).status).toBe(422);
    expect((await post({ ...missing, state: 'made-up' }, destination)).status).toBe(422);

    const wrongProvider = await consent(stack.t, 'cy', 'fitbit', 'amy-fitbit');
    const stravaState = (await authorizeUrl('cy', { provider: 'strava', redirectUri: REDIRECT })).body.state;
    expect((await post({ ...wrongProvider, state: stravaState }, destination)).status).toBe(422);

    const loopback = 'http://127.0.0.1:4555/cb';
    const otherRedirect = await consent(stack.t, 'cy', 'fitbit', 'amy-fitbit', loopback);
    expect((await post({ ...otherRedirect, redirectUri: REDIRECT }, destination)).status).toBe(422);

    const expired = await consent(stack.t, 'cy', 'fitbit', 'amy-fitbit');
    await stack.t.db
      .updateTable('oauth_states')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('user_id', '=', 'cy')
      .where('provider', '=', 'fitbit')
      .execute();
    const res = await post(expired, destination);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'source.state' }] });
    expect(await stored()).toEqual(before);

    // a state redeems once: the same consent again (without an Idempotency-Key) is refused
    const fresh = await consent(stack.t, 'cy', 'fitbit', 'amy-fitbit');
    expect((await post(fresh, destination)).status).toBe(201);
    const after = await stored();
    const reused = await post(fresh, destination);
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'source.state' }] });
    expect(await stored()).toEqual(after);
  });
});
