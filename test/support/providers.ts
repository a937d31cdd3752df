import request from 'supertest';
import { startSimulators, type RunningSimulators } from '../../src/simulators/simulators.js';
import type { SimSettings } from '../../src/simulators/common/settings.js';
import { createTestApp, eventually, type TestApp } from './app.js';
import { grantPro } from './fixtures.js';

export const REDIRECT = 'https://app.syncwell.test/oauth/callback';

/** The env that points the service at running simulators. */
export function providerEnv(sims: RunningSimulators, timeScale: number): Record<string, string> {
  return {
    SIMULATORS: 'off',
    FITBIT_CLIENT_ID: 'syncwell-local',
    FITBIT_CLIENT_SECRET: 'syncwell-local-secret',
    STRAVA_CLIENT_ID: 'syncwell-local',
    STRAVA_CLIENT_SECRET: 'syncwell-local-secret',
    GOOGLE_HEALTH_API_BASE_URL: sims.endpoints.fitbit.apiBaseUrl,
    GOOGLE_OAUTH_AUTHORIZE_URL: sims.endpoints.fitbit.authorizeUrl,
    GOOGLE_OAUTH_TOKEN_URL: sims.endpoints.fitbit.tokenUrl,
    STRAVA_API_BASE_URL: sims.endpoints.strava.apiBaseUrl,
    STRAVA_OAUTH_AUTHORIZE_URL: sims.endpoints.strava.authorizeUrl,
    STRAVA_OAUTH_TOKEN_URL: sims.endpoints.strava.tokenUrl,
    PROVIDER_TIME_SCALE: String(timeScale),
    STRAVA_UPLOAD_FIRST_POLL_MS: '1000',
    PROVIDER_REQUEST_TIMEOUT_SECONDS: '5',
    PROVIDER_MAX_WAIT_SECONDS: '20',
    OAUTH_REDIRECT_URIS: REDIRECT,
  };
}

export interface ProviderStack {
  sims: RunningSimulators;
  t: TestApp;
  close(): Promise<void>;
}

/** The simulators plus the real application talking to them over HTTP. */
export async function startProviderStack(
  options: { timeScale?: number; sim?: Partial<SimSettings>; env?: Record<string, string> } = {},
): Promise<ProviderStack> {
  const timeScale = options.timeScale ?? 0.01;
  const sims = await startSimulators({ settings: { timeScale, uploadProcessingMs: 200, ...options.sim } });
  const t = await createTestApp({ env: { ...providerEnv(sims, timeScale), ...options.env } });
  return {
    sims,
    t,
    close: async () => {
      await t.close();
      await sims.close();
    },
  };
}

export async function createSimAccount(
  sims: RunningSimulators,
  provider: 'fitbit' | 'strava',
  body: Record<string, unknown>,
): Promise<void> {
  const sim = provider === 'fitbit' ? sims.google : sims.strava;
  const res = await fetch(`${sim.url}/_sim/accounts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`could not create ${provider} account: ${res.status}`);
}

/** A provider's consent as the app holds it after the redirect: the code, and the server's state. */
export interface Consent {
  provider: 'fitbit' | 'strava';
  authorizationCode: string;
  redirectUri: string;
  state: string;
}

/**
 * Walks a provider's consent redirect the way the mobile app does, through the service's authorize
 * URL; the result is one side of `POST /v1/connections` as it is.
 */
export async function consent(
  t: TestApp,
  user: string,
  provider: 'fitbit' | 'strava',
  loginHint: string,
  redirectUri = REDIRECT,
): Promise<Consent> {
  const res = await request(t.http)
    .get('/v1/connections/authorize-url')
    .query({ provider, redirectUri, loginHint })
    .set('Authorization', `Bearer ${t.token(user)}`)
    .expect(200);
  const answer = await fetch(res.body.url, { redirect: 'manual' });
  if (answer.status !== 302) throw new Error(`consent answered ${answer.status}`);
  const location = new URL(answer.headers.get('location')!);
  if (location.searchParams.get('state') !== res.body.state) throw new Error('state lost in the redirect');
  return {
    provider,
    authorizationCode: location.searchParams.get('code')!,
    redirectUri,
    state: res.body.state,
  };
}

/** Connects `sourceLogin` at the source to `destinationLogin` at the destination through POST /v1/connections. */
export async function connect(
  t: TestApp,
  user: string,
  opts: {
    source: 'fitbit' | 'strava';
    sourceLogin: string;
    destination: 'fitbit' | 'strava';
    destinationLogin: string;
    timezone?: string;
  },
) {
  const body = {
    source: await consent(t, user, opts.source, opts.sourceLogin),
    destination: await consent(t, user, opts.destination, opts.destinationLogin),
    timezone: opts.timezone ?? 'Europe/Berlin',
  };
  const res = await request(t.http)
    .post('/v1/connections')
    .set('Authorization', `Bearer ${t.token(user)}`)
    .send(body);
  if (res.status !== 201) throw new Error(`connect answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as {
    id: string;
    initialSync: { orchestrationId: string };
    source: { externalUserId: string };
    destination: { externalUserId: string };
  };
}

export async function startSync(
  t: TestApp,
  user: string,
  connectionId: string,
  range: object,
  key = `k-${Math.random()}`,
): Promise<string> {
  await grantPro(t, user);
  const res = await request(t.http)
    .post(`/v1/connections/${connectionId}/historical-syncs`)
    .set('Authorization', `Bearer ${t.token(user)}`)
    .set('Idempotency-Key', key)
    .send({ range });
  if (res.status !== 202) throw new Error(`sync answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.orchestrationId;
}

export async function finished(t: TestApp, user: string, id: string, timeoutMs = 180_000) {
  return eventually(
    async () => {
      const res = await request(t.http)
        .get(`/v1/orchestrations/${id}`)
        .set('Authorization', `Bearer ${t.token(user)}`);
      return ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED'].includes(res.body.status)
        ? res.body
        : undefined;
    },
    timeoutMs,
    `orchestration ${id} to finish`,
  );
}

export async function chunksOf(t: TestApp, user: string, id: string): Promise<Array<Record<string, any>>> {
  return (
    await request(t.http)
      .get(`/v1/orchestrations/${id}/chunks`)
      .set('Authorization', `Bearer ${t.token(user)}`)
      .expect(200)
  ).body.items;
}

export async function simAccount(sim: { url: string }, id: string): Promise<any> {
  return (await fetch(`${sim.url}/_sim/accounts/${id}`)).json();
}

/** Civil date of an instant at an offset. */
export const civilDate = (iso: string, offsetSeconds: number) =>
  new Date(Date.parse(iso) + offsetSeconds * 1000).toISOString().slice(0, 10);

/** A fast stack for revocation and reconnect scenarios: one chunk at a time per user, quick upload polls. */
export function startRevocationStack(): Promise<ProviderStack> {
  return startProviderStack({
    env: { CHUNK_USER_CONCURRENCY: '1', STRAVA_UPLOAD_FIRST_POLL_MS: '150', STRAVA_UPLOAD_POLL_MS: '50' },
    sim: { uploadProcessingMs: 100 },
  });
}

/** What {@link connectedUser} builds. */
export interface ConnectedUserOptions {
  /** Source and destination (default Fitbit -> Strava). */
  from?: 'fitbit' | 'strava';
  to?: 'fitbit' | 'strava';
  /** Days of generated history at the source (the destination starts empty). */
  historyDays: number;
  /** The source account's time zone (and a Google Health destination's; the connection's); default Europe/Berlin. */
  timezone?: string;
  /** The source history's seed (default the user) and sessions a week (default the simulator's). */
  seed?: string;
  sessionsPerWeek?: readonly [number, number];
  /** Wait for the automatic 7-day sync to finish (default true). */
  waitForInitialSync?: boolean;
}

/**
 * The simulator accounts of {@link connectedUser}: `<user>-<from>` with `historyDays` of history and an
 * empty `<user>-<to>`. For a test that changes them (seeds copies, adds a broken record) before connecting.
 */
export async function userAccounts(stack: ProviderStack, user: string, options: ConnectedUserOptions) {
  const { from = 'fitbit', to = 'strava', historyDays, timezone = 'Europe/Berlin', seed = user } = options;
  await createSimAccount(stack.sims, from, {
    id: `${user}-${from}`,
    seed,
    historyDays,
    timezone,
    ...(options.sessionsPerWeek ? { sessionsPerWeek: options.sessionsPerWeek } : {}),
  });
  await createSimAccount(stack.sims, to, {
    id: `${user}-${to}`,
    seed: `${user}-${to}`,
    historyDays: 0,
    ...(to === 'fitbit' ? { timezone } : {}),
  });
}

/** The second half of {@link connectedUser}: a Pro user connecting {@link userAccounts}' accounts over the API. */
export async function connectUser(stack: ProviderStack, user: string, options: ConnectedUserOptions) {
  const { t } = stack;
  const { from = 'fitbit', to = 'strava', timezone = 'Europe/Berlin', waitForInitialSync = true } = options;
  const connection = await connect(t, user, {
    source: from,
    sourceLogin: `${user}-${from}`,
    destination: to,
    destinationLogin: `${user}-${to}`,
    timezone,
  });
  const initialSync = waitForInitialSync
    ? await finished(t, user, connection.initialSync.orchestrationId)
    : undefined;
  return { connection, initialSync };
}

/**
 * The test factory for a synced user: `<user>-<from>` with `historyDays` of history (seed `user`)
 * and an empty `<user>-<to>` at the simulators, a Pro user connecting them over the API, and its
 * automatic 7-day sync finished. Returns the connection and that sync as the API last showed it.
 */
export async function connectedUser(stack: ProviderStack, user: string, options: ConnectedUserOptions) {
  await userAccounts(stack, user, options);
  return connectUser(stack, user, options);
}

/** {@link connectedUser}, Fitbit -> Strava, `days` of history: the connection. */
export async function connectedFitbitToStrava(stack: ProviderStack, user: string, days: number) {
  return (await connectedUser(stack, user, { historyDays: days })).connection;
}

/** The activities at a simulated Strava account. */
export async function stravaActivities(
  stack: ProviderStack,
  id: string,
): Promise<Array<Record<string, any>>> {
  return (await simAccount(stack.sims.strava, id)).activities as Array<Record<string, any>>;
}

/** Nothing was written twice: every (start, sport) appears once. */
export function expectNoDuplicates(activities: Array<Record<string, any>>): void {
  const starts = activities.map((a) => `${a.start_date}|${a.sport_type}`);
  expect(new Set(starts).size).toBe(starts.length);
}

/** PUTs JSON to a simulator's control API (`/_sim/faults`, `/_sim/config`). */
export const putJson = (url: string, body: unknown) =>
  fetch(url, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
