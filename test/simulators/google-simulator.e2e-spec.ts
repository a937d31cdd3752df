import { startSimulators, type RunningSimulators } from '../../src/simulators/simulators.js';
import { DiscoveryValidator } from '../support/discovery-validator.js';
import {
  atWindowStart,
  authorize,
  bearer,
  CLIENT,
  exchange,
  GOOGLE_SCOPES,
  grant,
} from '../support/sim-client.js';

describe('Google Health API v4 simulator', () => {
  let sims: RunningSimulators;
  const discovery = DiscoveryValidator.fromReference();
  const api = (path: string) => `${sims.google.url}/v4/users/me${path}`;

  beforeAll(async () => {
    sims = await startSimulators({ settings: { timeScale: 0.05 } });
  });
  afterAll(() => sims.close());

  it('walks the OAuth redirect with login_hint, exchanges the code, refreshes, and rejects an expired token', async () => {
    const { code, state, location } = await authorize(sims.endpoints.fitbit.authorizeUrl, {
      login_hint: 'alice',
      state: 's-123',
      scope: GOOGLE_SCOPES,
    });
    expect(location.origin + location.pathname).toBe('https://app.syncwell.test/oauth/callback');
    expect(state).toBe('s-123');
    const tokens = await exchange(sims.endpoints.fitbit.tokenUrl, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'https://app.syncwell.test/oauth/callback',
    });
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', scope: GOOGLE_SCOPES, expires_in: 180 }); // 3600 s x 0.05
    const reused = await exchange(sims.endpoints.fitbit.tokenUrl, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'https://app.syncwell.test/oauth/callback',
    });
    expect(reused).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Malformed auth code.' },
    });
    const badClient = await exchange(sims.endpoints.fitbit.tokenUrl, {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.body.refresh_token),
      client_secret: 'wrong',
    });
    expect(badClient.status).toBe(401);
    expect(badClient.body.error).toBe('invalid_client');

    const identity = await fetch(api('/identity'), { headers: bearer(String(tokens.body.access_token)) });
    expect(identity.status).toBe(200);
    expect(discovery.validate('Identity', await identity.json())).toEqual([]);

    sims.google.oauth.expireAccessTokens('alice');
    const expired = await fetch(api('/identity'), { headers: bearer(String(tokens.body.access_token)) });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });

    const refreshed = await exchange(sims.endpoints.fitbit.tokenUrl, {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.body.refresh_token),
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).toBeUndefined(); // Google keeps the refresh token
    expect(
      (await fetch(api('/identity'), { headers: bearer(String(refreshed.body.access_token)) })).status,
    ).toBe(200);

    await fetch(`${sims.google.url}/_sim/accounts/alice/revoke`, { method: 'POST' });
    const revoked = await exchange(sims.endpoints.fitbit.tokenUrl, {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.body.refresh_token),
    });
    expect(revoked).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
    });
  });

  it('pages a year of exercise 25 at a time, newest first, honouring the civil start-time filter, every response valid', async () => {
    await fetch(`${sims.google.url}/_sim/accounts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        id: 'pager',
        seed: 'pager-seed',
        historyDays: 800,
        historyEnd: '2026-06-30T00:00:00Z',
        timezone: 'America/Los_Angeles',
      }),
    });
    const { access_token } = await grant(sims, 'fitbit', 'pager');
    const filter =
      'exercise.interval.civil_start_time >= "2025-01-01" AND exercise.interval.civil_start_time < "2026-01-01"';
    const seen: Array<{ name: string; civil: string }> = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const url = new URL(api('/dataTypes/exercise/dataPoints'));
      url.searchParams.set('filter', filter);
      url.searchParams.set('pageSize', '100'); // above the maximum: truncated to 25
      if (pageToken) url.searchParams.set('pageToken', pageToken);
      const res = await fetch(url, { headers: bearer(access_token) });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { dataPoints: Array<Record<string, any>>; nextPageToken?: string };
      expect(discovery.validate('ListDataPointsResponse', body)).toEqual([]);
      expect(body.dataPoints.length).toBeLessThanOrEqual(25);
      if (body.nextPageToken) expect(body.dataPoints).toHaveLength(25);
      for (const p of body.dataPoints) {
        const { date, time } = p.exercise.interval.civilStartTime;
        seen.push({
          name: p.name,
          civil: `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}T${String(time.hours).padStart(2, '0')}`,
        });
      }
      pageToken = body.nextPageToken;
      pages++;
    } while (pageToken);
    expect(seen.length).toBeGreaterThan(150); // 3-5 sessions a week
    expect(pages).toBe(Math.ceil(seen.length / 25));
    expect(new Set(seen.map((s) => s.name)).size).toBe(seen.length);
    expect(seen.every((s) => s.civil >= '2025-01-01' && s.civil < '2026-01-01')).toBe(true);
    expect(seen.map((s) => s.civil)).toEqual([...seen.map((s) => s.civil)].sort().reverse());
    const everything = (await (await fetch(`${sims.google.url}/_sim/accounts/pager`)).json()) as {
      dataPoints: unknown[];
    };
    expect(everything.dataPoints.length).toBeGreaterThan(seen.length);

    const bad = await fetch(
      `${api('/dataTypes/exercise/dataPoints')}?filter=${encodeURIComponent('exercise.interval.civil_start_time > "2025"')}`,
      { headers: bearer(access_token) },
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { status: 'INVALID_ARGUMENT' } });
  });

  it('serves profile, data point, TCX export (media and JSON), and validates each against the discovery document', async () => {
    const { access_token } = await grant(sims, 'fitbit', 'pager');
    const profile = (await (await fetch(api('/profile'), { headers: bearer(access_token) })).json()) as any;
    expect(discovery.validate('Profile', profile)).toEqual([]);
    expect(profile.membershipStartDate).toEqual({ year: 2024, month: 4, day: 21 });
    const list = (await (
      await fetch(`${api('/dataTypes/exercise/dataPoints')}?pageSize=25`, { headers: bearer(access_token) })
    ).json()) as any;
    const gps = list.dataPoints.find((p: any) => p.exercise.exerciseMetadata.hasGps);
    const id = gps.name.split('/').at(-1);
    const one = await (
      await fetch(api(`/dataTypes/exercise/dataPoints/${id}`), { headers: bearer(access_token) })
    ).json();
    expect(discovery.validate('DataPoint', one)).toEqual([]);
    const media = await fetch(api(`/dataTypes/exercise/dataPoints/${id}:exportExerciseTcx?alt=media`), {
      headers: bearer(access_token),
    });
    expect(media.headers.get('content-type')).toMatch(/tcx/);
    const tcx = await media.text();
    expect(tcx).toContain('<TrainingCenterDatabase');
    expect(tcx).toContain('<LatitudeDegrees>');
    const json = (await (
      await fetch(api(`/dataTypes/exercise/dataPoints/${id}:exportExerciseTcx`), {
        headers: bearer(access_token),
      })
    ).json()) as any;
    expect(discovery.validate('ExportExerciseTcxResponse', json)).toEqual([]);
    expect(json.tcxData).toBe(tcx);
  });

  it('creates a data point with a client-provided id once, and rejects the same id again (ALREADY_EXISTS)', async () => {
    const { access_token } = await grant(sims, 'fitbit', 'writer');
    const point = {
      name: 'users/me/dataTypes/exercise/dataPoints/sw-0123456789abcdef',
      exercise: {
        displayName: 'Lunch Run',
        exerciseType: 'RUNNING',
        interval: {
          startTime: '2025-05-01T10:00:00Z',
          startUtcOffset: '7200s',
          endTime: '2025-05-01T10:45:00Z',
          endUtcOffset: '7200s',
        },
        activeDuration: '2600s',
        metricsSummary: { distanceMillimeters: 8_000_000, caloriesKcal: 480 },
      },
    };
    const post = () =>
      fetch(api('/dataTypes/exercise/dataPoints'), {
        method: 'POST',
        headers: { ...bearer(access_token), 'Content-Type': 'application/json' },
        body: JSON.stringify(point),
      });
    const first = await post();
    expect(first.status).toBe(200);
    const operation = await first.json();
    expect(discovery.validate('Operation', operation)).toEqual([]);
    expect(operation).toMatchObject({ done: true, response: { exercise: { displayName: 'Lunch Run' } } });
    const { '@type': type, ...created } = operation.response;
    expect(type).toBe('type.googleapis.com/google.devicesandservices.health.v4.DataPoint');
    expect(discovery.validate('DataPoint', created)).toEqual([]);
    const second = await post();
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ error: { code: 409, status: 'ALREADY_EXISTS' } });
    const invalid = await fetch(api('/dataTypes/exercise/dataPoints'), {
      method: 'POST',
      headers: { ...bearer(access_token), 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...point, name: 'users/me/dataTypes/exercise/dataPoints/Bad_Id' }),
    });
    expect(invalid.status).toBe(400);
  });

  it('answers the 301st request of a user within a minute (time-scaled) 429 RESOURCE_EXHAUSTED with Retry-After', async () => {
    const { access_token } = await grant(sims, 'fitbit', 'busy');
    const minute = 60_000 * sims.google.settings.timeScale; // 3 s
    await atWindowStart(minute);
    const statuses: number[] = [];
    for (let i = 0; i < 301; i++)
      statuses.push((await fetch(api('/identity'), { headers: bearer(access_token) })).status);
    expect(statuses.slice(0, 300).every((s) => s === 200)).toBe(true);
    const last = await fetch(api('/identity'), { headers: bearer(access_token) });
    expect(statuses[300]).toBe(429);
    expect(last.status).toBe(429);
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await last.json()).toMatchObject({
      error: {
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'RATE_LIMIT_EXCEEDED',
            domain: 'googleapis.com',
            metadata: { quota_limit: 'RequestsPerMinutePerUser', quota_limit_value: '300' },
          },
        ],
      },
    });
    await atWindowStart(minute);
    expect((await fetch(api('/identity'), { headers: bearer(access_token) })).status).toBe(200);
  });

  it('generates the same account from the same seed, whenever it is created', async () => {
    const create = async (id: string, historyEnd: string) => {
      await fetch(`${sims.google.url}/_sim/accounts`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ id, seed: 'same-seed', historyDays: 365, historyEnd }),
      });
      return (
        (await (await fetch(`${sims.google.url}/_sim/accounts/${id}`)).json()) as {
          dataPoints: Array<{ exercise: unknown }>;
        }
      ).dataPoints;
    };
    const a = await create('twin-a', '2026-01-01T00:00:00Z');
    const b = await create('twin-b', '2026-01-01T00:00:00Z');
    expect(b.map((p) => p.exercise)).toEqual(a.map((p) => p.exercise));
    const longer = await create('twin-c', '2026-03-01T00:00:00Z');
    const overlap = longer.filter((p: any) => p.exercise.interval.startTime < '2026-01-01');
    expect(overlap.map((p) => p.exercise)).toEqual(
      a.filter((p: any) => p.exercise.interval.startTime >= '2025-03-01').map((p) => p.exercise),
    );
  });

  it('injects faults per endpoint and counts requests by endpoint and status', async () => {
    const { access_token } = await grant(sims, 'fitbit', 'faulty');
    await fetch(`${sims.google.url}/_sim/requests`, { method: 'DELETE' });
    await fetch(`${sims.google.url}/_sim/faults`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        'identity.get': { burst429: 2, burstRetryAfterSeconds: 7 },
        'profile.get': { errorRate: 1, errorStatus: 503 },
      }),
    });
    const a = await fetch(api('/identity'), { headers: bearer(access_token) });
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('7');
    await fetch(api('/identity'), { headers: bearer(access_token) });
    expect((await fetch(api('/identity'), { headers: bearer(access_token) })).status).toBe(200);
    const down = await fetch(api('/profile'), { headers: bearer(access_token) });
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ error: { status: 'UNAVAILABLE' } });
    await fetch(`${sims.google.url}/_sim/faults`, { method: 'DELETE' });
    const counts = await (await fetch(`${sims.google.url}/_sim/requests`)).json();
    expect(counts['identity.get']).toEqual({ '200': 1, '429': 2 });
    expect(counts['profile.get']).toEqual({ '503': 1 });
    expect(CLIENT.id).toBe('syncwell-local');
  });
});
