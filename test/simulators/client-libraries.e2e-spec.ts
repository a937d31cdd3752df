import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OAuth2Client } from 'google-auth-library';
import { health_v4 } from 'googleapis/build/src/apis/health/v4.js';
import stravaModule, { type Strava } from 'strava-v3';
import stravaHttp from 'strava-v3/axiosUtility.js';
import { parseTcx } from '../../src/common/formats/tcx.js';
import { startSimulators, type RunningSimulators } from '../../src/simulators/simulators.js';
import { CLIENT, GOOGLE_SCOPES, STRAVA_SCOPES } from '../support/sim-client.js';

const REDIRECT = 'https://app.syncwell.test/oauth/callback';
// strava-v3 is CommonJS (`module.exports = strava`) but its typings say `export default`
const strava = stravaModule as unknown as Strava;

/**
 * The simulators driven by the providers' public client libraries, offline: `googleapis` (with
 * google-auth-library) for the Google Health API, `strava-v3` for Strava. Each walks the consent
 * redirect, exchanges the code, refreshes, lists with paging, reads a track, creates/uploads an
 * activity and reads it back, exactly as the library does it against the real service.
 */
describe('client libraries against the simulators', () => {
  let sims: RunningSimulators;

  beforeAll(async () => {
    sims = await startSimulators({ settings: { timeScale: 0.05, uploadProcessingMs: 0 } });
    for (const sim of [sims.google, sims.strava]) {
      await fetch(`${sim.url}/_sim/accounts`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ id: 'compat', seed: 'compat-seed', historyDays: 60 }),
      });
    }
  });
  afterAll(() => sims.close());

  const consent = async (url: string) => {
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!);
  };
  const simAccount = async (url: string) =>
    (await (await fetch(`${url}/_sim/accounts/compat`)).json()) as any;

  it('googleapis: authorize, exchange, list every page, export a TCX, create and read back, refresh on 401', async () => {
    const auth = new OAuth2Client({
      clientId: CLIENT.id,
      clientSecret: CLIENT.secret,
      redirectUri: REDIRECT,
      endpoints: {
        oauth2AuthBaseUrl: sims.endpoints.fitbit.authorizeUrl,
        oauth2TokenUrl: sims.endpoints.fitbit.tokenUrl,
      },
      forceRefreshOnFailure: true,
    });
    const location = await consent(
      auth.generateAuthUrl({
        access_type: 'offline',
        scope: GOOGLE_SCOPES.split(' '),
        login_hint: 'compat',
        state: 'g1',
      }),
    );
    expect(location.searchParams.get('state')).toBe('g1');
    const { tokens } = await auth.getToken(location.searchParams.get('code')!);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    auth.setCredentials(tokens);
    const health = new health_v4.Health({ auth, rootUrl: `${sims.google.url}/` });

    const identity = await health.users.getIdentity({ name: 'users/me/identity' });
    expect(identity.data.healthUserId).toBe((await simAccount(sims.google.url)).healthUserId);

    const names: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await health.users.dataTypes.dataPoints.list({
        parent: 'users/me/dataTypes/exercise',
        pageSize: 25,
        pageToken,
      });
      names.push(...(page.data.dataPoints ?? []).map((p) => p.name!));
      pageToken = page.data.nextPageToken ?? undefined;
      pages++;
    } while (pageToken);
    const all = (await simAccount(sims.google.url)).dataPoints as Array<{ name: string; exercise: any }>;
    expect(names).toEqual(all.map((p) => p.name));
    expect(pages).toBe(Math.ceil(all.length / 25));

    const gps = all.find((p) => p.exercise.exerciseMetadata?.hasGps)!;
    const tcx = await health.users.dataTypes.dataPoints.exportExerciseTcx(
      { name: gps.name.replace(/^users\/[^/]+/, 'users/me'), partialData: true, alt: 'media' },
      { responseType: 'text' },
    );
    const track = parseTcx(tcx.data as unknown as string).laps.flatMap((l) => l.points);
    expect(track.filter((p) => p.lat !== undefined).length).toBeGreaterThan(10);

    const created = await health.users.dataTypes.dataPoints.create({
      parent: 'users/me/dataTypes/exercise',
      requestBody: {
        name: 'users/me/dataTypes/exercise/dataPoints/compat-0001',
        exercise: {
          displayName: 'Library Run',
          exerciseType: 'RUNNING',
          interval: {
            startTime: '2025-06-01T07:00:00Z',
            startUtcOffset: '7200s',
            endTime: '2025-06-01T07:40:00Z',
            endUtcOffset: '7200s',
          },
          activeDuration: '2350s',
          metricsSummary: { distanceMillimeters: 7_000_000, caloriesKcal: 450 },
        },
      },
    });
    expect(created.data.done).toBe(true);
    const back = await health.users.dataTypes.dataPoints.get({
      name: 'users/me/dataTypes/exercise/dataPoints/compat-0001',
    });
    expect(back.data.exercise).toMatchObject({
      displayName: 'Library Run',
      metricsSummary: { distanceMillimeters: 7_000_000 },
    });

    const refreshed: string[] = [];
    auth.on('tokens', (t) => refreshed.push(t.access_token!));
    await fetch(`${sims.google.url}/_sim/accounts/compat/expire-tokens`, { method: 'POST' });
    const profile = await health.users.getProfile({ name: 'users/me/profile' });
    expect(profile.status).toBe(200);
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]).not.toBe(tokens.access_token);

    // a library user reads the ErrorInfo reason off the GaxiosError
    const narrow = new OAuth2Client({ clientId: CLIENT.id, clientSecret: CLIENT.secret });
    narrow.setCredentials({ access_token: refreshed[0] });
    await fetch(`${sims.google.url}/_sim/accounts/compat/expire-tokens`, { method: 'POST' });
    const failure = await new health_v4.Health({ auth: narrow, rootUrl: `${sims.google.url}/` }).users
      .getIdentity({ name: 'users/me/identity' })
      .catch((e: { status?: number; response?: { data: any } }) => e);
    expect((failure as { status?: number }).status).toBe(401);
    expect((failure as { response: { data: any } }).response.data.error.details[0].reason).toBe(
      'ACCESS_TOKEN_EXPIRED',
    );
  });

  it('strava-v3: authorize, token in the query string, refresh, page activities, read streams, upload and create, read back', async () => {
    const STRAVA = 'https://www.strava.com';
    const local = (url: string) =>
      url.startsWith(STRAVA) ? sims.strava.url + url.slice(STRAVA.length) : url;
    // the library calls www.strava.com: point its axios instance at the simulator, as a proxy would
    const interceptor = stravaHttp.axiosInstance.interceptors.request.use((config) => {
      if (config.url) config.url = local(config.url);
      if (config.baseURL) config.baseURL = local(config.baseURL);
      return config;
    });
    const dir = mkdtempSync(join(tmpdir(), 'strava-v3-'));
    try {
      strava.config({
        access_token: '',
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        redirect_uri: REDIRECT,
      });
      const consentUrl = new URL(
        local(strava.oauth.getRequestAccessURL({ scope: STRAVA_SCOPES, state: 's1' })),
      );
      consentUrl.searchParams.set('login_hint', 'compat'); // the athlete who signs in
      const location = await consent(consentUrl.toString());
      const tokens = await strava.oauth.getToken(location.searchParams.get('code')!);
      expect(tokens.athlete).toMatchObject({ username: 'compat' });
      const refreshed = await strava.oauth.refreshToken(tokens.refresh_token);
      expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
      const client = new strava.client(refreshed.access_token);

      const seen: number[] = [];
      for (let page = 1; ; page++) {
        const activities = await client.athlete.listActivities({ page, per_page: 30 });
        if (activities.length === 0) break;
        seen.push(...activities.map((a) => Number(a.id)));
      }
      const contents = await simAccount(sims.strava.url);
      expect(seen.length).toBe(contents.activities.length);
      expect(new Set(seen).size).toBe(seen.length);

      const withGps = contents.activities.find((a: any) => a.start_latlng.length === 2);
      const streams = (await client.streams.activity({
        id: String(withGps.id),
        keys: ['time', 'latlng', 'heartrate'],
        key_by_type: true,
      })) as unknown as Record<string, { data: unknown[] }>;
      expect(streams.latlng.data.length).toBe(streams.time.data.length);
      expect(streams.latlng.data.length).toBeGreaterThan(10);

      const file = join(dir, 'ride.gpx');
      const start = Date.parse('2025-07-01T06:00:00Z');
      writeFileSync(
        file,
        `<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"><trk><type>cycling</type><trkseg>${[
          0, 1, 2, 3,
        ]
          .map(
            (i) =>
              `<trkpt lat="${48.2 + i * 0.002}" lon="16.37"><time>${new Date(start + i * 60_000).toISOString()}</time></trkpt>`,
          )
          .join('')}</trkseg></trk></gpx>`,
      );
      const upload = await client.uploads.post({
        file,
        data_type: 'gpx',
        name: 'Library Ride',
        external_id: 'compat-ride.gpx',
        maxStatusChecks: 3,
      });
      expect(upload.error).toBeNull();
      const ride = await client.activities.get({ id: String(upload.activity_id) });
      expect(ride).toMatchObject({ name: 'Library Ride', upload_id: upload.id, sport_type: 'Ride' });
      expect(ride.distance).toBeGreaterThan(600);

      const manual = await client.activities.create({
        name: 'Library Yoga',
        sport_type: 'Yoga',
        start_date_local: '2025-07-02T07:00:00',
        elapsed_time: 1800,
      });
      const yoga = await client.activities.get({ id: String(manual.id) });
      expect(yoga).toMatchObject({ name: 'Library Yoga', manual: true, upload_id: null });
    } finally {
      stravaHttp.axiosInstance.interceptors.request.eject(interceptor);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
