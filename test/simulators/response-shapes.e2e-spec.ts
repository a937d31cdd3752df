import { writeFit } from '../../src/common/formats/fit.js';
import { startSimulators, type RunningSimulators } from '../../src/simulators/simulators.js';
import { DiscoveryValidator } from '../support/discovery-validator.js';
import { OpenApiValidator, type OpenApiSchema } from '../support/openapi-validator.js';
import { authorize, bearer, CLIENT, exchange, grant, STRAVA_SCOPES } from '../support/sim-client.js';

/**
 * Every implemented route's answers against the providers' own definitions: Google's discovery
 * document and Strava's OpenAPI document (required fields, types, formats, enums, nothing undeclared).
 * The OAuth token endpoints are in neither document; their answers are checked against the shapes
 * Google's and Strava's OAuth documentation give (written out below).
 */
describe('simulator answers match the reference definitions', () => {
  let sims: RunningSimulators;
  const google = DiscoveryValidator.fromReference();
  const strava = OpenApiValidator.strava();

  beforeAll(async () => {
    sims = await startSimulators({ settings: { timeScale: 0.05, uploadProcessingMs: 0 } });
    for (const sim of [sims.google, sims.strava])
      await fetch(`${sim.url}/_sim/accounts`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ id: 'shapes', historyDays: 150 }),
      });
  });
  afterAll(() => sims.close());

  describe('Google Health API v4', () => {
    const api = (path: string) => `${sims.google.url}/v4/users/me${path}`;
    const TOKEN: OpenApiSchema = {
      type: 'object',
      required: ['access_token', 'expires_in', 'scope', 'token_type'],
      properties: {
        access_token: { type: 'string' },
        expires_in: { type: 'integer' },
        refresh_token: { type: 'string' },
        scope: { type: 'string' },
        token_type: { type: 'string', enum: ['Bearer'] },
      },
    };

    it('oauth: authorize redirects with code, scope and state; token and refresh answers are OAuth token responses', async () => {
      const { location } = await authorize(sims.endpoints.fitbit.authorizeUrl, {
        login_hint: 'shapes',
        scope: 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness',
        state: 'xyz',
      });
      expect([...location.searchParams.keys()].sort()).toEqual(['code', 'scope', 'state']);
      const tokens = await exchange(sims.endpoints.fitbit.tokenUrl, {
        grant_type: 'authorization_code',
        code: location.searchParams.get('code')!,
        redirect_uri: 'https://app.syncwell.test/oauth/callback',
      });
      expect(strava.validate(TOKEN, tokens.body)).toEqual([]);
      expect(tokens.body.refresh_token).toEqual(expect.any(String));
      const refreshed = await exchange(sims.endpoints.fitbit.tokenUrl, {
        grant_type: 'refresh_token',
        refresh_token: String(tokens.body.refresh_token),
      });
      expect(strava.validate(TOKEN, refreshed.body)).toEqual([]);
    });

    it('profile, identity, dataPoints.list/get/create and exportExerciseTcx', async () => {
      const { access_token } = await grant(sims, 'fitbit', 'shapes');
      const get = async (path: string) => {
        const res = await fetch(api(path), { headers: bearer(access_token) });
        expect(res.status).toBe(200);
        return res.json();
      };
      expect(google.validate('Profile', await get('/profile'))).toEqual([]);
      expect(google.validate('Identity', await get('/identity'))).toEqual([]);
      const list = (await get('/dataTypes/exercise/dataPoints?pageSize=25')) as {
        dataPoints: Array<{ name: string; exercise: Record<string, any> }>;
        nextPageToken: string;
      };
      expect(google.validate('ListDataPointsResponse', list)).toEqual([]);
      const next = await get(`/dataTypes/exercise/dataPoints?pageToken=${list.nextPageToken}`);
      expect(google.validate('ListDataPointsResponse', next)).toEqual([]);
      for (const point of list.dataPoints.slice(0, 5)) {
        const id = point.name.split('/').at(-1);
        expect(google.validate('DataPoint', await get(`/dataTypes/exercise/dataPoints/${id}`))).toEqual([]);
      }
      const gps = list.dataPoints.find((p) => p.exercise.exerciseMetadata?.hasGps)!;
      const exported = await get(
        `/dataTypes/exercise/dataPoints/${gps.name.split('/').at(-1)}:exportExerciseTcx`,
      );
      expect(google.validate('ExportExerciseTcxResponse', exported)).toEqual([]);

      const created = await fetch(api('/dataTypes/exercise/dataPoints'), {
        method: 'POST',
        headers: { ...bearer(access_token), 'Content-Type': 'application/json' },
        body: JSON.stringify({
          name: 'users/me/dataTypes/exercise/dataPoints/shape-check-1',
          exercise: {
            displayName: 'Ride',
            exerciseType: 'BIKING',
            interval: {
              startTime: '2025-04-01T16:00:00Z',
              startUtcOffset: '-25200s',
              endTime: '2025-04-01T17:00:00Z',
              endUtcOffset: '-25200s',
            },
            activeDuration: '3500s',
            metricsSummary: { distanceMillimeters: 30_000_000, caloriesKcal: 700 },
            exerciseMetadata: { hasGps: true },
          },
        }),
      });
      const operation = (await created.json()) as { response: Record<string, unknown> };
      expect(google.validate('Operation', operation)).toEqual([]);
      const { '@type': _type, ...point } = operation.response;
      expect(google.validate('DataPoint', point)).toEqual([]);
      expect(google.validate('DataPoint', await get('/dataTypes/exercise/dataPoints/shape-check-1'))).toEqual(
        [],
      );
    });

    it('error bodies: a google.rpc.Status (code, message, details) under `error`, plus the status name', async () => {
      const res = await fetch(api('/identity'), { headers: bearer('nope') });
      const { error } = (await res.json()) as { error: Record<string, unknown> };
      const { status, ...rpcStatus } = error;
      expect(status).toBe('UNAUTHENTICATED');
      expect(google.validate('Status', rpcStatus)).toEqual([]);
    });
  });

  describe('Strava API v3', () => {
    const api = (path: string) => `${sims.strava.url}/api/v3${path}`;
    const TOKEN: OpenApiSchema = {
      type: 'object',
      required: ['token_type', 'access_token', 'expires_at', 'expires_in', 'refresh_token'],
      properties: {
        token_type: { type: 'string', enum: ['Bearer'] },
        access_token: { type: 'string' },
        expires_at: { type: 'integer' },
        expires_in: { type: 'integer' },
        refresh_token: { type: 'string' },
        athlete: { $ref: '#/components/schemas/SummaryAthlete' },
      },
    };
    // Strava's own token example (developers.strava.com/docs/authentication) shows `username` and `resource_state` on the athlete
    const TOKEN_EXAMPLE = { athlete: { username: 'x', resource_state: 2 } };

    it('oauth: code exchange (with the athlete) and refresh', async () => {
      const { code } = await authorize(sims.endpoints.strava.authorizeUrl, {
        login_hint: 'shapes',
        scope: STRAVA_SCOPES,
      });
      const tokens = await exchange(sims.endpoints.strava.tokenUrl, {
        grant_type: 'authorization_code',
        code,
      });
      expect(strava.validate(TOKEN, tokens.body, TOKEN_EXAMPLE)).toEqual([]);
      expect(tokens.body.athlete).toBeDefined();
      const refreshed = await exchange(sims.endpoints.strava.tokenUrl, {
        grant_type: 'refresh_token',
        refresh_token: String(tokens.body.refresh_token),
      });
      expect(strava.validate(TOKEN, refreshed.body)).toEqual([]);
      expect(CLIENT.id).toBe('syncwell-local');
    });

    it('athlete, activities list/get/create, streams, uploads create/get, and errors', async () => {
      const { access_token } = await grant(sims, 'strava', 'shapes');
      const call = async (path: string, init: RequestInit = {}) => {
        const res = await fetch(api(path), {
          ...init,
          headers: { ...bearer(access_token), ...init.headers },
        });
        return { status: res.status, body: (await res.json()) as any };
      };
      const athlete = await call('/athlete');
      expect(strava.validateResponse('getLoggedInAthlete', athlete.status, athlete.body)).toEqual([]);

      const list = await call('/athlete/activities?per_page=60');
      expect(list.body.length).toBe(60);
      expect(strava.validateResponse('getLoggedInAthleteActivities', list.status, list.body)).toEqual([]);
      const after = await call('/athlete/activities?after=0&per_page=5&page=2');
      expect(strava.validateResponse('getLoggedInAthleteActivities', after.status, after.body)).toEqual([]);

      const withGps = list.body.find((a: any) => a.start_latlng.length === 2);
      const indoor = list.body.find((a: any) => a.start_latlng.length === 0);
      for (const a of [withGps, indoor]) {
        const one = await call(`/activities/${a.id}`);
        expect(strava.validateResponse('getActivityById', one.status, one.body)).toEqual([]);
      }
      const keyed = await call(
        `/activities/${withGps.id}/streams?keys=time,latlng,altitude,heartrate&key_by_type=true`,
      );
      expect(Object.keys(keyed.body).sort()).toEqual(['altitude', 'distance', 'heartrate', 'latlng', 'time']);
      expect(strava.validateResponse('getActivityStreams', keyed.status, keyed.body)).toEqual([]);
      // without key_by_type Strava answers an array of streams (its example); each one a stream of its type
      const array = await call(`/activities/${withGps.id}/streams?keys=time,latlng`);
      const schemaOf: Record<string, string> = {
        time: 'TimeStream',
        latlng: 'LatLngStream',
        distance: 'DistanceStream',
      };
      for (const { type, ...stream } of array.body)
        expect(strava.validate(schemaOf[type], stream)).toEqual([]);

      const created = await call('/activities', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          name: 'Yoga',
          sport_type: 'Yoga',
          start_date_local: '2025-03-03T07:00:00',
          elapsed_time: 1800,
          description: 'calm',
        }),
      });
      expect(created.status).toBe(201);
      expect(strava.validateResponse('createActivity', created.status, created.body)).toEqual([]);

      const form = new FormData();
      form.set(
        'file',
        new Blob([
          Buffer.from(
            writeFit({
              sport: 'running',
              subSport: 'generic',
              start: new Date('2025-03-04T06:00:00Z'),
              elapsedSeconds: 120,
              movingSeconds: 120,
              distanceMeters: 400,
              calories: 30,
              utcOffsetSeconds: 0,
              points: [0, 60, 120].map((t, i) => ({
                time: new Date(Date.parse('2025-03-04T06:00:00Z') + t * 1000),
                lat: 48.1 + i * 0.001,
                lng: 11.5,
                distance: i * 200,
                heartRate: 140,
              })),
            }),
          ),
        ]),
        'run.fit',
      );
      form.set('data_type', 'fit');
      form.set('external_id', 'shape-1.fit');
      const upload = await call('/uploads', { method: 'POST', body: form });
      expect(upload.status).toBe(201);
      expect(strava.validateResponse('createUpload', upload.status, upload.body)).toEqual([]);
      const status = await call(`/uploads/${upload.body.id}`);
      expect(status.body.activity_id).toEqual(expect.any(Number));
      expect(strava.validateResponse('getUploadById', status.status, status.body)).toEqual([]);
      const uploaded = await call(`/activities/${status.body.activity_id}`);
      expect(strava.validateResponse('getActivityById', uploaded.status, uploaded.body)).toEqual([]);

      for (const path of ['/activities/42', '/uploads/42', '/nowhere']) {
        const missing = await call(path);
        expect(missing.status).toBe(404);
        expect(strava.validateResponse('getActivityById', missing.status, missing.body)).toEqual([]);
      }
      const unauthorized = await fetch(api('/athlete'));
      expect(strava.validate('Fault', await unauthorized.json())).toEqual([]);
    });
  });
});
