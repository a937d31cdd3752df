import { parseTcx } from '../../src/common/formats/tcx.js';
import { startSimulators, type RunningSimulators } from '../../src/simulators/simulators.js';
import { authorize, bearer, CLIENT, exchange, GOOGLE_SCOPES, grant } from '../support/sim-client.js';

/**
 * Issue 17: each place the Google Health simulator used to be kinder than, or different from, the
 * real API. Every test here fails against the old behaviour (named in its title).
 */
describe('Google Health simulator fidelity', () => {
  let sims: RunningSimulators;
  const REDIRECT = 'https://app.syncwell.test/oauth/callback';
  const api = (path: string) => `${sims.google.url}/v4/users/me${path}`;
  const LOCATION = 'https://www.googleapis.com/auth/googlehealth.location.readonly';
  const READ = 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly';

  beforeAll(async () => {
    sims = await startSimulators({ settings: { timeScale: 0.05 } });
    // small accounts (90 days) keep the suite fast; a login creates a three-year one
    for (const id of ['errors', 'scopes', 'defaults', 'tcx-creator', 'fidelity'])
      await fetch(`${sims.google.url}/_sim/accounts`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ id, historyDays: 90 }),
      });
  });
  afterAll(() => sims.close());

  async function tokenWith(login: string, scope: string) {
    const { code } = await authorize(sims.endpoints.fitbit.authorizeUrl, { login_hint: login, scope });
    const { body } = await exchange(sims.endpoints.fitbit.tokenUrl, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
    });
    return String(body.access_token);
  }

  it('answers an authorize request without scope 400 invalid_request (was: a code)', async () => {
    const url = new URL(sims.endpoints.fitbit.authorizeUrl);
    url.search = new URLSearchParams({
      client_id: CLIENT.id,
      response_type: 'code',
      redirect_uri: REDIRECT,
    }).toString();
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/invalid_request.*scope/);
  });

  it('answers a code exchange without redirect_uri invalid_request, with another redirect_uri_mismatch (was: accepted / invalid_grant)', async () => {
    const { code } = await authorize(sims.endpoints.fitbit.authorizeUrl, {
      scope: GOOGLE_SCOPES,
      login_hint: 'fidelity',
    });
    const missing = await exchange(sims.endpoints.fitbit.tokenUrl, {
      grant_type: 'authorization_code',
      code,
    });
    expect(missing).toEqual({
      status: 400,
      body: { error: 'invalid_request', error_description: 'Missing required parameter: redirect_uri' },
    });
    const other = await exchange(sims.endpoints.fitbit.tokenUrl, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'https://evil.test/cb',
    });
    expect(other.body.error).toBe('redirect_uri_mismatch');
    // the code was not spent by the mismatches
    const right = await exchange(sims.endpoints.fitbit.tokenUrl, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
    });
    expect(right.status).toBe(200);
  });

  it('puts a google.rpc.ErrorInfo with the real reason in 401, 403 and 429 bodies (was: no details)', async () => {
    const { access_token } = await grant(sims, 'fitbit', 'errors');
    const detail = async (res: Response) => {
      const body = (await res.json()) as { error: { details?: Array<Record<string, any>> } };
      return body.error.details?.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.ErrorInfo');
    };

    const missing = await fetch(api('/identity'));
    expect(missing.status).toBe(401);
    expect(await detail(missing)).toMatchObject({ reason: 'CREDENTIALS_MISSING', domain: 'googleapis.com' });

    const garbage = await fetch(api('/identity'), { headers: bearer('ya29.not-a-token') });
    expect(await detail(garbage)).toMatchObject({ reason: 'ACCESS_TOKEN_TYPE_UNSUPPORTED' });

    sims.google.oauth.expireAccessTokens('errors');
    const expired = await fetch(api('/identity'), { headers: bearer(access_token) });
    expect(expired.status).toBe(401);
    expect(await detail(expired)).toEqual({
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'ACCESS_TOKEN_EXPIRED',
      domain: 'googleapis.com',
      metadata: { service: 'health.googleapis.com', method: 'health.users.getIdentity' },
    });

    const narrow = await tokenWith('errors', READ);
    const scope = await fetch(api('/profile'), { headers: bearer(narrow) });
    expect(scope.status).toBe(403);
    expect(scope.headers.get('www-authenticate')).toContain('insufficient_scope');
    expect(await detail(scope)).toMatchObject({
      reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
      domain: 'googleapis.com',
      metadata: { method: 'health.users.getProfile' },
    });

    await fetch(`${sims.google.url}/_sim/faults`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ 'identity.get': { burst429: 1 } }),
    });
    const fresh = await tokenWith('errors', GOOGLE_SCOPES);
    const limited = await fetch(api('/identity'), { headers: bearer(fresh) });
    await fetch(`${sims.google.url}/_sim/faults`, { method: 'DELETE' });
    expect(limited.status).toBe(429);
    expect(await detail(limited)).toMatchObject({
      reason: 'RATE_LIMIT_EXCEEDED',
      domain: 'googleapis.com',
      metadata: { quota_limit: 'RequestsPerMinutePerUser', quota_limit_value: '300' },
    });
  });

  it('checks the scopes of profile (profile.readonly) and identity (any Google Health scope) (was: any token)', async () => {
    const noProfile = await tokenWith('scopes', `${READ} ${LOCATION}`);
    expect((await fetch(api('/profile'), { headers: bearer(noProfile) })).status).toBe(403);
    expect((await fetch(api('/identity'), { headers: bearer(noProfile) })).status).toBe(200);
    const notHealth = await tokenWith('scopes', 'openid email');
    expect((await fetch(api('/identity'), { headers: bearer(notHealth) })).status).toBe(403);
    const profileOnly = await tokenWith(
      'scopes',
      'https://www.googleapis.com/auth/googlehealth.profile.readonly',
    );
    expect((await fetch(api('/profile'), { headers: bearer(profileOnly) })).status).toBe(200);
    expect((await fetch(api('/identity'), { headers: bearer(profileOnly) })).status).toBe(200);
  });

  it('leaves proto3 default values out of data points, generated and created (was: hasGps false, 0 minutes...)', async () => {
    const { access_token } = await grant(sims, 'fitbit', 'defaults');
    const contents = (await (await fetch(`${sims.google.url}/_sim/accounts/defaults`)).json()) as {
      dataPoints: Array<Record<string, any>>;
    };
    const defaults: string[] = [];
    const scan = (value: unknown, path: string) => {
      if (value === false || value === 0 || value === '' || value === '0') defaults.push(path);
      else if (value && typeof value === 'object')
        for (const [k, v] of Object.entries(value)) scan(v, `${path}.${k}`);
    };
    contents.dataPoints.forEach((p, i) => scan(p, `[${i}]`));
    expect(defaults).toEqual([]);
    // indoor sessions exist, and say so by leaving hasGps out
    expect(contents.dataPoints.some((p) => p.exercise.exerciseMetadata?.hasGps === undefined)).toBe(true);

    const res = await fetch(api('/dataTypes/exercise/dataPoints'), {
      method: 'POST',
      headers: { ...bearer(access_token), 'Content-Type': 'application/json' },
      body: JSON.stringify({
        exercise: {
          displayName: 'Stretch',
          exerciseType: 'YOGA',
          interval: {
            startTime: '2025-02-01T08:00:00Z',
            startUtcOffset: '0s',
            endTime: '2025-02-01T08:30:00Z',
            endUtcOffset: '0s',
          },
          metricsSummary: { caloriesKcal: 0, distanceMillimeters: 0, averageHeartRateBeatsPerMinute: '0' },
          exerciseMetadata: { hasGps: false },
        },
      }),
    });
    const created = ((await res.json()) as { response: Record<string, any> }).response;
    expect(created.exercise.metricsSummary).toEqual({});
    expect(created.exercise.exerciseMetadata).toEqual({});
    expect(created.exercise.interval.startUtcOffset).toBe('0s'); // a Duration is a message: kept
    expect(created.exercise.interval.civilStartTime).toEqual({
      date: { year: 2025, month: 2, day: 1 },
      time: { hours: 8 },
    });
  });

  it('exports a TCX whose Creator has Name, UnitId, ProductID and Version (was: Name only)', async () => {
    const { access_token } = await grant(sims, 'fitbit', 'tcx-creator');
    const list = (await (
      await fetch(api('/dataTypes/exercise/dataPoints'), { headers: bearer(access_token) })
    ).json()) as { dataPoints: Array<Record<string, any>> };
    const gps = list.dataPoints.find((p) => p.exercise.exerciseMetadata?.hasGps)!;
    const tcx = await (
      await fetch(
        api(`/dataTypes/exercise/dataPoints/${gps.name.split('/').at(-1)}:exportExerciseTcx?alt=media`),
        {
          headers: bearer(access_token),
        },
      )
    ).text();
    const creator = /<Creator xsi:type="Device_t">(.*?)<\/Creator>/s.exec(tcx)?.[1] ?? '';
    expect(creator).toMatch(
      /^<Name>Pixel Watch 3<\/Name><UnitId>\d+<\/UnitId><ProductID>\d+<\/ProductID><Version><VersionMajor>\d+<\/VersionMajor><VersionMinor>\d+<\/VersionMinor>/,
    );
    expect(parseTcx(tcx).creator).toBe('Pixel Watch 3');
  });
});
