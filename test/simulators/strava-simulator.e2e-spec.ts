import { gzipSync } from 'node:zlib';
import { writeFit } from '../../src/common/formats/fit.js';
import { writeTcx } from '../../src/common/formats/tcx.js';
import { startSimulators, type RunningSimulators } from '../../src/simulators/simulators.js';
import { atWindowStart, authorize, bearer, exchange, grant, STRAVA_SCOPES } from '../support/sim-client.js';
import { checkFields } from '../support/strava-fields.js';

const start = new Date('2024-03-10T08:00:00Z');
const track = [0, 60, 120, 180].map((t, i) => ({
  time: new Date(start.getTime() + t * 1000),
  lat: 52.5 + i * 0.001,
  lng: 13.4,
  altitude: 40 + i,
  distance: i * 250,
  heartRate: 130 + i,
}));
const fitFile = (sport = 'hiking', at = start) =>
  Buffer.from(
    writeFit({
      sport,
      subSport: 'generic',
      start: at,
      elapsedSeconds: 180,
      movingSeconds: 175,
      distanceMeters: 750,
      calories: 60,
      averageHeartRate: 131,
      maxHeartRate: 133,
      utcOffsetSeconds: 3600,
      points: track.map((p) => ({
        ...p,
        time: new Date(p.time.getTime() + (at.getTime() - start.getTime())),
      })),
    }),
  );

describe('Strava API v3 simulator', () => {
  let sims: RunningSimulators;
  const api = (path: string) => `${sims.strava.url}/api/v3${path}`;

  beforeAll(async () => {
    sims = await startSimulators({ settings: { timeScale: 0.01, uploadProcessingMs: 300 } });
  });
  afterAll(() => sims.close());

  async function upload(token: string, file: Buffer, dataType: string, fields: Record<string, string> = {}) {
    const form = new FormData();
    form.set('file', new Blob([file]), `activity.${dataType}`);
    form.set('data_type', dataType);
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    const res = await fetch(api('/uploads'), { method: 'POST', headers: bearer(token), body: form });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }

  async function untilProcessed(token: string, id: number) {
    for (let i = 0; i < 50; i++) {
      const body = (await (await fetch(api(`/uploads/${id}`), { headers: bearer(token) })).json()) as Record<
        string,
        any
      >;
      if (!body.status.includes('still being processed')) return body;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('upload never finished processing');
  }

  it('walks the OAuth redirect with login_hint, issues 6-hour tokens (scaled), and rotates refresh tokens', async () => {
    const { code, state } = await authorize(sims.endpoints.strava.authorizeUrl, {
      login_hint: 'alice',
      scope: STRAVA_SCOPES,
      state: 'st',
    });
    expect(state).toBe('st');
    const tokens = await exchange(sims.endpoints.strava.tokenUrl, { grant_type: 'authorization_code', code });
    expect(tokens.status).toBe(200);
    expect(checkFields('token', tokens.body)).toEqual([]);
    expect(tokens.body.expires_in).toBe(216); // 21,600 s x 0.01
    expect(checkFields('athlete', tokens.body.athlete as Record<string, unknown>)).toEqual([]);
    expect((tokens.body.athlete as { username: string }).username).toBe('alice');

    const refreshed = await exchange(sims.endpoints.strava.tokenUrl, {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.body.refresh_token),
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(tokens.body.refresh_token);
    const old = await exchange(sims.endpoints.strava.tokenUrl, {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.body.refresh_token),
    });
    expect(old.status).toBe(400);
    expect(checkFields('error', old.body)).toEqual([]);

    sims.strava.oauth.expireAccessTokens('alice');
    const expired = await fetch(api('/athlete'), { headers: bearer(String(refreshed.body.access_token)) });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({
      message: 'Authorization Error',
      errors: [{ resource: 'Athlete', field: 'access_token', code: 'invalid' }],
    });
  });

  it('drops a refresh whose client left during a latency spike (no rotation), and serves one it waits for', async () => {
    const { refresh_token } = await grant(sims, 'strava', 'spiky');
    sims.strava.faults.set('oauth.token', { spikeRate: 1, spikeMs: 400 });
    try {
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 100);
      const left = exchange(
        sims.endpoints.strava.tokenUrl,
        { grant_type: 'refresh_token', refresh_token: String(refresh_token) },
        abort.signal,
      );
      await expect(left).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 500)); // past the spike: the dropped request did nothing
      // the other side of the boundary: a client that waits out the spike gets its rotation
      const waited = await exchange(sims.endpoints.strava.tokenUrl, {
        grant_type: 'refresh_token',
        refresh_token: String(refresh_token),
      });
      expect(waited.status).toBe(200);
      expect(waited.body.refresh_token).not.toBe(refresh_token);
      const old = await exchange(sims.endpoints.strava.tokenUrl, {
        grant_type: 'refresh_token',
        refresh_token: String(refresh_token),
      });
      expect(old.status).toBe(400);
    } finally {
      sims.strava.faults.clear();
    }
  });

  it('answers the 201st request in a 15-minute window (time-scaled) 429 with the usage headers, and the next window again', async () => {
    const { access_token } = await grant(sims, 'strava', 'limits');
    const window = 900_000 * sims.strava.settings.timeScale; // 9 s
    await atWindowStart(window);
    // 100 reads and 100 manual activities, 20 at a time so they all land early in the window
    const send = (i: number) =>
      i <= 100
        ? fetch(api('/athlete'), { headers: bearer(access_token) })
        : fetch(api('/activities'), {
            method: 'POST',
            headers: { ...bearer(access_token), 'Content-Type': 'application/json' },
            body: JSON.stringify({
              name: `Gym ${i}`,
              sport_type: 'WeightTraining',
              start_date_local: '2024-01-01T10:00:00Z',
              elapsed_time: 1800,
            }),
          });
    const statuses: number[] = [];
    for (let i = 1; i <= 200; i += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, (_, k) => send(i + k)));
      statuses.push(...batch.map((r) => r.status));
      for (const r of batch) expect(r.headers.get('x-ratelimit-limit')).toBe('200,2000');
    }
    // reads cap at 100, the overall limit at 200: all of these pass
    expect(statuses.slice(0, 100).every((st) => st === 200)).toBe(true);
    expect(statuses.slice(100).every((st) => st === 201)).toBe(true);
    const over = await fetch(api('/activities'), {
      method: 'POST',
      headers: { ...bearer(access_token), 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(over.status).toBe(429);
    expect(over.headers.get('x-ratelimit-usage')).toBe('201,201');
    expect(over.headers.get('x-readratelimit-limit')).toBe('100,1000');
    expect(over.headers.get('x-readratelimit-usage')).toBe('100,100');
    expect(await over.json()).toEqual({
      message: 'Rate Limit Exceeded',
      errors: [{ resource: 'Application', field: 'rate limit', code: 'exceeded' }],
    });
    await atWindowStart(window);
    const next = await fetch(api('/athlete'), { headers: bearer(access_token) });
    expect(next.status).toBe(200);
    expect(next.headers.get('x-ratelimit-usage')).toBe('1,202'); // the daily count goes on
    expect(next.headers.get('x-readratelimit-usage')).toBe('1,101');
  });

  it('caps reads at 100 per window while uploads still pass the overall limit', async () => {
    const { access_token } = await grant(sims, 'strava', 'reader');
    // a separate application, so the previous test's daily counts do not matter
    await fetch(`${sims.strava.url}/_sim/clients`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ clientId: 'other-app', clientSecret: 's' }),
    });
    const { code } = await authorize(sims.endpoints.strava.authorizeUrl, {
      login_hint: 'reader',
      scope: STRAVA_SCOPES,
      client_id: 'other-app',
    });
    const tokens = await exchange(sims.endpoints.strava.tokenUrl, {
      grant_type: 'authorization_code',
      code,
      client_id: 'other-app',
      client_secret: 's',
    });
    const token = String(tokens.body.access_token);
    await atWindowStart(900_000 * sims.strava.settings.timeScale);
    for (let i = 0; i < 100; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, () => fetch(api('/athlete'), { headers: bearer(token) })),
      );
      expect(batch.map((r) => r.status)).toEqual(Array(20).fill(200));
    }
    const read = await fetch(api('/athlete'), { headers: bearer(token) });
    expect(read.status).toBe(429);
    expect(read.headers.get('x-readratelimit-usage')).toBe('101,101');
    const write = await upload(token, fitFile('running', new Date('2023-01-01T07:00:00Z')), 'fit');
    expect(write.status).toBe(201);
    expect(access_token).toBeDefined();
  });

  it('processes uploads asynchronously and answers a second upload of the same activity "duplicate of activity N"', async () => {
    const { access_token } = await grant(sims, 'strava', 'uploader');
    const first = await upload(access_token, fitFile(), 'fit', {
      external_id: 'sw-abc.fit',
      name: 'Saturday Hike',
    });
    expect(first.status).toBe(201);
    expect(checkFields('upload', first.body)).toEqual([]);
    expect(first.body).toMatchObject({
      external_id: 'sw-abc.fit',
      status: 'Your activity is still being processed.',
      activity_id: null,
      error: null,
    });
    const done = await untilProcessed(access_token, first.body.id);
    expect(done).toMatchObject({
      status: 'Your activity is ready.',
      error: null,
      activity_id: expect.any(Number),
    });
    const activity = await (
      await fetch(api(`/activities/${done.activity_id}`), { headers: bearer(access_token) })
    ).json();
    expect(checkFields('summaryActivity', activity)).toEqual([]);
    expect(checkFields('detailedActivity', activity)).toEqual([]);
    expect(activity).toMatchObject({
      sport_type: 'Hike',
      name: 'Saturday Hike',
      external_id: 'sw-abc.fit',
      distance: 750,
      elapsed_time: 180,
      start_date: '2024-03-10T08:00:00Z',
      manual: false,
    });

    const again = await upload(access_token, fitFile(), 'fit', { external_id: 'sw-abc.fit' });
    const duplicate = await untilProcessed(access_token, again.body.id);
    expect(duplicate).toMatchObject({
      status: 'There was an error processing your activity.',
      activity_id: null,
    });
    expect(duplicate.error).toBe(`sw-abc.fit duplicate of activity ${done.activity_id}`);
    // the same file under another external id is still the same activity (same start time)
    const renamed = await untilProcessed(
      access_token,
      (await upload(access_token, gzipSync(fitFile()), 'fit.gz', { external_id: 'other.fit' })).body.id,
    );
    expect(renamed.error).toMatch(new RegExp(`duplicate of activity ${done.activity_id}$`));

    const tcx = writeTcx({
      sport: 'Running',
      id: new Date('2024-04-01T06:00:00Z'),
      laps: [
        {
          startTime: new Date('2024-04-01T06:00:00Z'),
          totalTimeSeconds: 1800,
          distanceMeters: 5000,
          calories: 300,
          points: [],
        },
      ],
    });
    const tcxDone = await untilProcessed(
      access_token,
      (await upload(access_token, Buffer.from(tcx), 'tcx')).body.id,
    );
    expect(tcxDone.activity_id).toEqual(expect.any(Number));
    const broken = await untilProcessed(
      access_token,
      (await upload(access_token, Buffer.from('<nope/>'), 'tcx')).body.id,
    );
    expect(broken).toMatchObject({ error: 'Improperly formatted data.', activity_id: null });
    expect((await upload(access_token, Buffer.from('x'), 'docx')).status).toBe(400);
  });

  it('lists activities by after/before/page (per_page up to 200) and serves their streams', async () => {
    await fetch(`${sims.strava.url}/_sim/accounts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        id: 'runner',
        seed: 'runner',
        historyDays: 400,
        historyEnd: '2026-01-01T00:00:00Z',
      }),
    });
    const { access_token } = await grant(sims, 'strava', 'runner');
    const after = Date.parse('2025-01-01T00:00:00Z') / 1000;
    const before = Date.parse('2026-01-01T00:00:00Z') / 1000;
    const page1 = (await (
      await fetch(api(`/athlete/activities?after=${after}&before=${before}&per_page=500&page=1`), {
        headers: bearer(access_token),
      })
    ).json()) as Array<Record<string, any>>;
    expect(page1).toHaveLength(200);
    const page2 = (await (
      await fetch(api(`/athlete/activities?after=${after}&before=${before}&per_page=200&page=2`), {
        headers: bearer(access_token),
      })
    ).json()) as Array<Record<string, any>>;
    const page3 = (await (
      await fetch(api(`/athlete/activities?after=${after}&before=${before}&per_page=200&page=3`), {
        headers: bearer(access_token),
      })
    ).json()) as unknown[];
    const all = [...page1, ...page2];
    expect(page3).toEqual([]);
    expect(all.length).toBeGreaterThan(150);
    expect(all.every((a) => a.start_date >= '2025-01-01' && a.start_date < '2026-01-01')).toBe(true);
    expect(all.map((a) => a.start_date)).toEqual([...all.map((a) => a.start_date)].sort());
    for (const a of all) expect(checkFields('summaryActivity', a)).toEqual([]);

    const outdoor = all.find((a) => a.start_latlng.length === 2)!;
    const streams = await (
      await fetch(
        api(`/activities/${outdoor.id}/streams?keys=latlng,time,heartrate,altitude&key_by_type=true`),
        { headers: bearer(access_token) },
      )
    ).json();
    expect(Object.keys(streams).sort()).toEqual(['altitude', 'distance', 'heartrate', 'latlng', 'time']);
    for (const stream of Object.values(streams))
      expect(checkFields('stream', stream as Record<string, unknown>)).toEqual([]);
    expect(streams.time.data[0]).toBe(0);
    expect(streams.latlng.data[0]).toEqual(outdoor.start_latlng);
    expect(streams.distance.data.at(-1)).toBeCloseTo(outdoor.distance, 0);
    const indoor = all.find((a) => a.start_latlng.length === 0 && a.has_heartrate)!;
    const indoorStreams = await (
      await fetch(api(`/activities/${indoor.id}/streams?keys=latlng,time,heartrate&key_by_type=true`), {
        headers: bearer(access_token),
      })
    ).json();
    expect(Object.keys(indoorStreams).sort()).toEqual(['heartrate', 'time']);
    expect(
      (await fetch(api('/activities/1/streams?keys=time'), { headers: bearer(access_token) })).status,
    ).toBe(404);
  });

  it('creates manual activities and shows an account’s contents and request counts under /_sim/', async () => {
    const { access_token } = await grant(sims, 'strava', 'manual');
    const res = await fetch(api('/activities'), {
      method: 'POST',
      headers: { ...bearer(access_token), 'Content-Type': 'application/json' },
      body: JSON.stringify({
        name: 'Yoga',
        sport_type: 'Yoga',
        start_date_local: '2025-02-01T07:30:00Z',
        elapsed_time: 2700,
        description: 'sw:key-1',
      }),
    });
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created).toMatchObject({
      manual: true,
      sport_type: 'Yoga',
      elapsed_time: 2700,
      description: 'sw:key-1',
    });
    expect(
      (
        await fetch(api('/activities'), {
          method: 'POST',
          headers: { ...bearer(access_token), 'Content-Type': 'application/json' },
          body: JSON.stringify({
            name: 'x',
            sport_type: 'Teleporting',
            start_date_local: '2025-02-01T07:30:00Z',
            elapsed_time: 1,
          }),
        })
      ).status,
    ).toBe(400);
    const contents = await (await fetch(`${sims.strava.url}/_sim/accounts/manual`)).json();
    expect(contents.activities.find((a: { id: number }) => a.id === created.id)).toMatchObject({
      name: 'Yoga',
    });
    const counts = await (await fetch(`${sims.strava.url}/_sim/requests`)).json();
    expect(counts['activities.create']['201']).toBeGreaterThan(100);
    expect(counts['uploads.create']['201']).toBeGreaterThan(0);
  });
});
