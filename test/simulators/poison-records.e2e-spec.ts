import { faultsSeed, isPoisoned } from '../../src/simulators/common/faults.js';
import { startSimulators, type RunningSimulators } from '../../src/simulators/simulators.js';
import { bearer, grant } from '../support/sim-client.js';

/**
 * Record poisoning (`poisonRate`, `poison`, `poisonStatus` in `PUT /_sim/faults`): a request about a
 * poisoned record fails every time, requests about other records never; lists have no record key.
 */
describe('simulators: poisoned records', () => {
  let sims: RunningSimulators;

  beforeAll(async () => {
    // quota windows of a few milliseconds (no 429 in these loops), tokens that outlive the test
    sims = await startSimulators({
      settings: { timeScale: 0.0001, accessTokenLifetimeSeconds: 3600, uploadProcessingMs: 50 },
    });
  });
  afterAll(() => sims.close());
  afterEach(async () => {
    for (const s of [sims.google, sims.strava]) {
      await fetch(`${s.url}/_sim/faults`, { method: 'DELETE' });
      await fetch(`${s.url}/_sim/requests`, { method: 'DELETE' });
    }
  });

  /** A small account (~50 sessions) at the simulator, then a grant for it. */
  const account = async (provider: 'fitbit' | 'strava', login: string) => {
    const base = provider === 'fitbit' ? sims.google.url : sims.strava.url;
    await control(base, 'POST', '/accounts', { id: login, historyDays: 90, sessionsPerWeek: [3, 5] });
    return grant(sims, provider, login);
  };

  const control = async (base: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}/_sim${path}`, {
      method,
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as any) };
  };

  describe('Google Health', () => {
    const api = (path: string) => `${sims.google.url}/v4/users/me${path}`;
    const seed = faultsSeed('google');

    async function points(login: string): Promise<Array<{ id: string; gps: boolean }>> {
      const { body } = await control(sims.google.url, 'GET', `/accounts/${login}`);
      return (body.dataPoints as any[]).map((p) => ({
        id: String(p.name).split('/').at(-1)!,
        gps: p.exercise.exerciseMetadata?.hasGps === true,
      }));
    }

    it('poisonRate: the same data points fail every time (their TCX export too), the others never', async () => {
      const { access_token } = await account('fitbit', 'poison-g');
      const all = await points('poison-g');
      expect(all.length).toBeGreaterThan(40);
      const put = await control(sims.google.url, 'PUT', '/faults', { 'dataPoints.get': { poisonRate: 0.2 } });
      expect(put.body).toEqual({ 'dataPoints.get': { poisonRate: 0.2 } });
      expect((await control(sims.google.url, 'GET', '/faults')).body).toEqual(put.body);

      const poisoned = all.filter((p) => isPoisoned(p.id, 0.2, seed));
      expect(poisoned.length).toBeGreaterThan(0);
      expect(poisoned.length).toBeLessThan(all.length);
      for (let round = 0; round < 2; round++) {
        for (const p of all) {
          const res = await fetch(api(`/dataTypes/exercise/dataPoints/${p.id}`), {
            headers: bearer(access_token),
          });
          expect([p.id, res.status]).toEqual([p.id, poisoned.includes(p) ? 500 : 200]);
          if (res.status === 500)
            expect(await res.json()).toMatchObject({ error: { code: 500, status: 'INTERNAL' } });
          else await res.arrayBuffer();
        }
        for (const p of all.filter((x) => x.gps).slice(0, 20)) {
          const tcx = await fetch(api(`/dataTypes/exercise/dataPoints/${p.id}:exportExerciseTcx?alt=media`), {
            headers: bearer(access_token),
          });
          await tcx.arrayBuffer();
          expect([p.id, tcx.status]).toEqual([p.id, poisoned.includes(p) ? 500 : 200]);
        }
      }

      // the log of poisoned answers: one entry per record, with the account and how often
      const { body } = await control(sims.google.url, 'GET', '/requests/poisoned');
      expect(body.hits.map((h: any) => h.key).sort()).toEqual(poisoned.map((p) => p.id).sort());
      for (const hit of body.hits) {
        expect(hit).toMatchObject({ endpoint: 'dataPoints.get', account: 'poison-g', status: 500 });
        expect(hit.count).toBeGreaterThanOrEqual(2);
      }
      const counts = (await control(sims.google.url, 'GET', '/requests')).body;
      expect(counts['dataPoints.get']['500']).toBe(body.hits.reduce((s: number, h: any) => s + h.count, 0));
    });

    it('poison (explicit keys) with poisonStatus; lists have no record key; DELETE /_sim/faults clears it', async () => {
      const { access_token } = await account('fitbit', 'poison-g2');
      const [first, second] = await points('poison-g2');
      await control(sims.google.url, 'PUT', '/faults', {
        '*': { poisonRate: 1 },
        'dataPoints.get': { poison: [first.id], poisonStatus: 502 },
      });
      const get = (id: string) =>
        fetch(api(`/dataTypes/exercise/dataPoints/${id}`), { headers: bearer(access_token) });
      for (let i = 0; i < 3; i++) {
        const bad = await get(first.id);
        expect(bad.status).toBe(502);
        expect(await bad.json()).toMatchObject({ error: { code: 502 } });
        expect((await get(second.id)).status).toBe(200);
      }
      // every record of '*' is poisoned, but a list, the identity and the profile are about no record
      const list = await fetch(`${api('/dataTypes/exercise/dataPoints')}?pageSize=5`, {
        headers: bearer(access_token),
      });
      expect(list.status).toBe(200);
      expect((await list.json()).dataPoints).toHaveLength(5);
      expect((await fetch(api('/identity'), { headers: bearer(access_token) })).status).toBe(200);
      expect((await fetch(api('/profile'), { headers: bearer(access_token) })).status).toBe(200);

      expect((await control(sims.google.url, 'DELETE', '/faults')).status).toBe(204);
      expect((await control(sims.google.url, 'GET', '/faults')).body).toEqual({});
      expect((await get(first.id)).status).toBe(200);
    });

    it('dataPoints.create: the client-chosen id is the record key; a server-assigned id is none', async () => {
      const { access_token } = await account('fitbit', 'poison-g3');
      await control(sims.google.url, 'PUT', '/faults', {
        'dataPoints.create': { poison: ['sw-poisoned-1'] },
      });
      const create = (name?: string, day = 1) =>
        fetch(api('/dataTypes/exercise/dataPoints'), {
          method: 'POST',
          headers: { ...bearer(access_token), 'Content-Type': 'application/json' },
          body: JSON.stringify({
            ...(name ? { name: `users/me/dataTypes/exercise/dataPoints/${name}` } : {}),
            exercise: {
              displayName: 'Run',
              exerciseType: 'RUNNING',
              interval: {
                startTime: `2025-05-0${day}T10:00:00Z`,
                startUtcOffset: '0s',
                endTime: `2025-05-0${day}T10:30:00Z`,
                endUtcOffset: '0s',
              },
              activeDuration: '1800s',
              metricsSummary: { distanceMillimeters: 5_000_000 },
            },
          }),
        });
      for (let i = 0; i < 2; i++) {
        const bad = await create('sw-poisoned-1');
        expect(bad.status).toBe(500);
        expect(await bad.json()).toMatchObject({ error: { code: 500 } });
      }
      expect((await create('sw-healthy-1', 2)).status).toBe(200);
      expect((await create(undefined, 3)).status).toBe(200);
      const { body } = await control(sims.google.url, 'GET', '/accounts/poison-g3');
      expect(body.createdDataPoints).toBe(2);
    });

    it('answers 500 every time for the TCX export of an exercise that claims GPS but has no metricsSummary', async () => {
      const { access_token } = await account('fitbit', 'broken-gps');
      const planted = await control(sims.google.url, 'POST', '/accounts/broken-gps/raw', {
        name: 'users/me/dataTypes/exercise/dataPoints/broken-gps-1',
        exercise: {
          displayName: 'Run',
          exerciseType: 'RUNNING',
          interval: {
            startTime: '2025-06-01T08:00:00Z',
            startUtcOffset: '0s',
            endTime: '2025-06-01T09:00:00Z',
            endUtcOffset: '0s',
          },
          exerciseMetadata: { hasGps: true },
        },
      });
      expect(planted.status).toBe(201);
      const gps = (await points('broken-gps')).filter((p) => p.gps && p.id !== 'broken-gps-1').slice(0, 3);
      expect(gps).toHaveLength(3);
      const tcx = (id: string) =>
        fetch(api(`/dataTypes/exercise/dataPoints/${id}:exportExerciseTcx?alt=media&partialData=true`), {
          headers: bearer(access_token),
        });
      for (let i = 0; i < 3; i++) {
        const broken = await tcx('broken-gps-1');
        expect(broken.status).toBe(500);
        expect(await broken.json()).toMatchObject({ error: { code: 500 } });
        for (const p of gps) {
          const ok = await tcx(p.id);
          expect(ok.status).toBe(200);
          expect(await ok.text()).toContain('<TrainingCenterDatabase');
        }
      }
      // the point itself reads fine; only its export fails
      const point = await fetch(api('/dataTypes/exercise/dataPoints/broken-gps-1'), {
        headers: bearer(access_token),
      });
      expect(point.status).toBe(200);
    });

    it('refuses poison settings that make no sense', async () => {
      for (const bad of [{ poisonRate: 2 }, { poison: 'x' }, { poisonStatus: 200 }]) {
        const res = await control(sims.google.url, 'PUT', '/faults', { 'dataPoints.get': bad });
        expect(res.status).toBe(400);
      }
      expect((await control(sims.google.url, 'GET', '/faults')).body).toEqual({});
    });
  });

  describe('Strava', () => {
    const api = (path: string) => `${sims.strava.url}/api/v3${path}`;
    const seed = faultsSeed('strava');

    it('poisonRate on activities.get and streams.get: the same activities fail every time, the list never', async () => {
      const { access_token } = await account('strava', 'poison-s');
      const { body } = await control(sims.strava.url, 'GET', '/accounts/poison-s');
      const ids = (body.activities as any[]).map((a) => String(a.id));
      expect(ids.length).toBeGreaterThan(40);
      await control(sims.strava.url, 'PUT', '/faults', {
        'activities.get': { poisonRate: 0.2 },
        'streams.get': { poisonRate: 0.2, poisonStatus: 503 },
        'activities.list': { poisonRate: 1 },
      });
      const poisoned = ids.filter((id) => isPoisoned(id, 0.2, seed));
      expect(poisoned.length).toBeGreaterThan(0);
      for (let round = 0; round < 2; round++) {
        for (const id of ids) {
          const one = await fetch(api(`/activities/${id}`), { headers: bearer(access_token) });
          expect([id, one.status]).toEqual([id, poisoned.includes(id) ? 500 : 200]);
          const body = await one.json();
          if (one.status === 500) expect(body).toEqual({ message: 'Error', errors: [] });
          const streams = await fetch(api(`/activities/${id}/streams?keys=time`), {
            headers: bearer(access_token),
          });
          await streams.arrayBuffer();
          expect([id, streams.status]).toEqual([id, poisoned.includes(id) ? 503 : 200]);
        }
      }
      const list = await fetch(api('/athlete/activities?per_page=200'), { headers: bearer(access_token) });
      expect(list.status).toBe(200);
      expect(await list.json()).toHaveLength(Math.min(200, ids.length));
      const hits = (await control(sims.strava.url, 'GET', '/requests/poisoned')).body.hits as any[];
      expect(new Set(hits.map((h) => h.key))).toEqual(new Set(poisoned));
      expect(hits.every((h) => h.account === 'poison-s' && h.count === 2)).toBe(true);

      await control(sims.strava.url, 'DELETE', '/faults');
      for (const id of poisoned.slice(0, 3))
        expect((await fetch(api(`/activities/${id}`), { headers: bearer(access_token) })).status).toBe(200);
    });

    it('writes: an upload by its external_id, a manual activity by its external_id or else its start_date_local', async () => {
      const { access_token } = await account('strava', 'poison-s2');
      await control(sims.strava.url, 'PUT', '/faults', {
        'uploads.create': { poison: ['sw-bad.fit'] },
        'activities.create': { poison: ['2025-03-01T07:00:00+00:00', 'manual-bad'] },
      });
      const upload = (externalId: string) => {
        const form = new FormData();
        form.set('file', new Blob(['<gpx></gpx>']), 'ride.gpx');
        form.set('data_type', 'gpx');
        form.set('external_id', externalId);
        return fetch(api('/uploads'), { method: 'POST', headers: bearer(access_token), body: form });
      };
      for (let i = 0; i < 2; i++) {
        const bad = await upload('sw-bad.fit');
        expect(bad.status).toBe(500);
        expect(await bad.json()).toEqual({ message: 'Error', errors: [] });
      }
      expect((await upload('sw-good.fit')).status).toBe(201);

      const manual = (fields: Record<string, string>) =>
        fetch(api('/activities'), {
          method: 'POST',
          headers: { ...bearer(access_token), 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ name: 'Walk', sport_type: 'Walk', elapsed_time: '600', ...fields }),
        });
      for (let i = 0; i < 2; i++) {
        expect((await manual({ start_date_local: '2025-03-01T07:00:00+00:00' })).status).toBe(500);
        expect(
          (await manual({ start_date_local: '2025-03-02T07:00:00+00:00', external_id: 'manual-bad' })).status,
        ).toBe(500);
      }
      expect((await manual({ start_date_local: '2025-03-03T07:00:00+00:00' })).status).toBe(201);
      // with an external_id that is not poisoned, the poisoned start time is not the key
      expect(
        (await manual({ start_date_local: '2025-03-01T07:00:00+00:00', external_id: 'manual-good' })).status,
      ).toBe(201);
      const hits = (await control(sims.strava.url, 'GET', '/requests/poisoned')).body.hits as any[];
      expect(hits.map((h) => [h.endpoint, h.key, h.count])).toEqual([
        ['uploads.create', 'sw-bad.fit', 2],
        ['activities.create', '2025-03-01T07:00:00+00:00', 2],
        ['activities.create', 'manual-bad', 2],
      ]);
      // the request log is cleared with the request counts
      await control(sims.strava.url, 'DELETE', '/requests');
      expect((await control(sims.strava.url, 'GET', '/requests/poisoned')).body).toEqual({ hits: [] });
    });
  });
});
