import { startSimulators, type RunningSimulators } from '../../src/simulators/simulators.js';
import { decodePolyline, haversineMeters } from '../../src/simulators/strava/polyline.js';
import { authorize, bearer, CLIENT, grant, STRAVA_SCOPES } from '../support/sim-client.js';

const gpx = (points: Array<[number, number]>, start = Date.parse('2024-05-04T09:00:00Z')) =>
  `<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
  <trk><type>running</type><trkseg>
${points.map(([lat, lon], i) => `    <trkpt lat="${lat}" lon="${lon}"><ele>30</ele><time>${new Date(start + i * 60_000).toISOString()}</time></trkpt>`).join('\n')}
  </trkseg></trk>
</gpx>`;

/**
 * Issue 17: each place the Strava simulator used to differ from the real API. Every test here fails
 * against the old behaviour (named in its title).
 */
describe('Strava simulator fidelity', () => {
  let sims: RunningSimulators;
  const api = (path: string) => `${sims.strava.url}/api/v3${path}`;

  beforeAll(async () => {
    sims = await startSimulators({ settings: { timeScale: 0.01, uploadProcessingMs: 0 } });
    // small accounts (90 days) keep the suite fast; a login creates a three-year one
    for (const id of ['missing', 'narrow', 'gpx', 'fidelity'])
      await fetch(`${sims.strava.url}/_sim/accounts`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ id, historyDays: 90 }),
      });
  });
  afterAll(() => sims.close());

  it('takes the token parameters from the query string, and at /api/v3/oauth/token too (was: 401 / 404)', async () => {
    const { code } = await authorize(sims.endpoints.strava.authorizeUrl, {
      scope: STRAVA_SCOPES,
      login_hint: 'fidelity',
    });
    const query = new URLSearchParams({
      client_id: CLIENT.id,
      client_secret: CLIENT.secret,
      code,
      grant_type: 'authorization_code',
    });
    const exchanged = await fetch(`${sims.strava.url}/oauth/token?${query}`, { method: 'POST' });
    expect(exchanged.status).toBe(200);
    const tokens = (await exchanged.json()) as { refresh_token: string; athlete: { id: number } };
    expect(tokens.athlete.id).toEqual(expect.any(Number));
    const refreshed = await fetch(`${sims.strava.url}/api/v3/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
      }),
    });
    expect(refreshed.status).toBe(200);
    expect(await refreshed.json()).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String) });
  });

  it('answers an unknown activity 404 "Record Not Found" (was: "Resource Not Found")', async () => {
    const { access_token } = await grant(sims, 'strava', 'missing');
    const res = await fetch(api('/activities/1'), { headers: bearer(access_token) });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      message: 'Record Not Found',
      errors: [{ resource: 'Activity', field: 'id', code: 'invalid' }],
    });
    const route = await fetch(api('/no-such-route'), { headers: bearer(access_token) });
    expect(((await route.json()) as { message: string }).message).toBe('Record Not Found');
  });

  it('checks the read scope on /athlete (was: any token)', async () => {
    const { code } = await authorize(sims.endpoints.strava.authorizeUrl, {
      login_hint: 'narrow',
      scope: 'activity:write',
    });
    const res = await fetch(sims.endpoints.strava.tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        code,
        grant_type: 'authorization_code',
      }),
    });
    const { access_token } = (await res.json()) as { access_token: string };
    const athlete = await fetch(api('/athlete'), { headers: bearer(access_token) });
    expect(athlete.status).toBe(401);
    expect(await athlete.json()).toMatchObject({
      message: 'Authorization Error',
      errors: [{ resource: 'AccessToken', field: 'read_permission', code: 'missing' }],
    });
  });

  it('gives an uploaded activity its upload_id, a GPX upload its distance, and a track its summary polyline (was: null, 0, "")', async () => {
    const { access_token } = await grant(sims, 'strava', 'gpx');
    const points: Array<[number, number]> = [
      [52.52, 13.405],
      [52.521, 13.406],
      [52.523, 13.406],
      [52.524, 13.408],
    ];
    const form = new FormData();
    form.set('file', new Blob([gpx(points)]), 'run.gpx');
    form.set('data_type', 'gpx');
    const posted = (await (
      await fetch(api('/uploads'), { method: 'POST', headers: bearer(access_token), body: form })
    ).json()) as { id: number };
    const done = (await (
      await fetch(api(`/uploads/${posted.id}`), { headers: bearer(access_token) })
    ).json()) as { activity_id: number };
    expect(done.activity_id).toEqual(expect.any(Number));
    const activity = (await (
      await fetch(api(`/activities/${done.activity_id}`), { headers: bearer(access_token) })
    ).json()) as Record<string, any>;
    expect(activity.upload_id).toBe(posted.id);
    expect(activity.upload_id_str).toBe(String(posted.id));
    const expected = points
      .slice(1)
      .reduce(
        (sum, p, i) =>
          sum + haversineMeters({ lat: points[i][0], lng: points[i][1] }, { lat: p[0], lng: p[1] }),
        0,
      );
    expect(activity.distance).toBeCloseTo(expected, 0);
    expect(activity.distance).toBeGreaterThan(400);
    expect(decodePolyline(activity.map.summary_polyline)).toEqual(points);
    expect(decodePolyline(activity.map.polyline)).toEqual(points);

    const list = (await (
      await fetch(api('/athlete/activities?per_page=50'), { headers: bearer(access_token) })
    ).json()) as Array<Record<string, any>>;
    const withGps = list.filter((a) => a.start_latlng.length === 2);
    expect(withGps.length).toBeGreaterThan(0);
    for (const a of withGps) {
      const route = decodePolyline(a.map.summary_polyline);
      expect(route.length).toBeGreaterThan(1);
      expect(route[0][0]).toBeCloseTo(a.start_latlng[0], 4);
      expect(route[0][1]).toBeCloseTo(a.start_latlng[1], 4);
    }
    const indoor = list.find((a) => a.start_latlng.length === 0);
    expect(indoor?.map.summary_polyline).toBe('');
  });
});
