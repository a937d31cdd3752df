import request from 'supertest';
import {
  chunksOf,
  connectedUser,
  connectUser,
  finished,
  type ProviderStack,
  putJson,
  simAccount,
  startProviderStack,
  startSync,
  userAccounts,
} from '../support/providers.js';

describe('syncing through provider trouble', () => {
  let stack: ProviderStack;

  beforeAll(async () => {
    stack = await startProviderStack({ env: { CHUNK_RETRY_LIMIT: '8' } });
  });
  afterAll(() => stack.close());

  it('completes with 10% 5xx, 429 bursts and 2 s latency spikes: no duplicates, no chunk failed for a rate limit', async () => {
    const { sims, t } = stack;
    const { connection } = await connectedUser(stack, 'cy', { historyDays: 200 });

    const trouble = { errorRate: 0.1, errorStatus: 503, spikeRate: 0.05, spikeMs: 2000 };
    for (const sim of [sims.google, sims.strava]) await putJson(`${sim.url}/_sim/faults`, { '*': trouble });
    await putJson(`${sims.google.url}/_sim/faults`, {
      'dataPoints.list': { ...trouble, burst429: 3, burstRetryAfterSeconds: 1 },
    });
    await putJson(`${sims.strava.url}/_sim/faults`, {
      'uploads.create': { ...trouble, burst429: 3 },
      'activities.create': { ...trouble, burst429: 2 },
    });

    const id = await startSync(t, 'cy', connection.id, {
      preset: 'CUSTOM',
      startDate: '2026-07-01',
      endDate: '2026-10-31',
    });
    const done = await finished(t, 'cy', id, 300_000);
    await fetch(`${sims.google.url}/_sim/faults`, { method: 'DELETE' });
    await fetch(`${sims.strava.url}/_sim/faults`, { method: 'DELETE' });
    expect(done).toMatchObject({ status: 'COMPLETED', totalChunks: 4, completedChunks: 4, failedChunks: 0 });

    const source = (await simAccount(sims.google, 'cy-fitbit')).dataPoints.filter(
      (p: any) =>
        p.exercise.interval.startTime >= '2026-06-30' && p.exercise.interval.startTime < '2026-11-01',
    );
    const landed = (await simAccount(sims.strava, 'cy-strava')).activities as Array<Record<string, any>>;
    const inRange = landed.filter((a) => a.start_date >= '2026-06-30' && a.start_date < '2026-11-01');
    expect(new Set(inRange.map((a) => a.start_date)).size).toBe(inRange.length); // no duplicates
    expect(inRange.length).toBeGreaterThanOrEqual(source.length - 2); // (boundary days counted by local date)
    const chunks = await chunksOf(t, 'cy', id);
    expect(chunks.every((c) => c.status === 'COMPLETED')).toBe(true);

    const google = await (await fetch(`${sims.google.url}/_sim/requests`)).json();
    const strava = await (await fetch(`${sims.strava.url}/_sim/requests`)).json();
    const count = (stats: Record<string, Record<string, number>>, status: string) =>
      Object.values(stats).reduce((s, byStatus) => s + (byStatus[status] ?? 0), 0);
    expect(count(google, '503') + count(strava, '503')).toBeGreaterThan(5); // the faults did happen
    expect(count(google, '429') + count(strava, '429')).toBeGreaterThan(0);
    const metrics = await request(t.http).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/syncwell_provider_429_total\{provider="(fitbit|strava)"\} \d+/);
  }, 300_000);

  it('refreshes access tokens that expire every 2 simulated minutes, during the sync', async () => {
    const { sims, t } = stack;
    for (const sim of [sims.google, sims.strava])
      await putJson(`${sim.url}/_sim/config`, { accessTokenLifetimeSeconds: 120 * sim.settings.timeScale });
    try {
      await userAccounts(stack, 'di', { historyDays: 200 });
      await fetch(`${sims.google.url}/_sim/requests`, { method: 'DELETE' });
      await fetch(`${sims.strava.url}/_sim/requests`, { method: 'DELETE' });
      const { connection } = await connectUser(stack, 'di', { historyDays: 200 });
      const id = await startSync(t, 'di', connection.id, {
        preset: 'CUSTOM',
        startDate: '2026-08-01',
        endDate: '2026-10-31',
      });
      expect(await finished(t, 'di', id)).toMatchObject({ status: 'COMPLETED', failedChunks: 0 });
      const google = await (await fetch(`${sims.google.url}/_sim/requests`)).json();
      const strava = await (await fetch(`${sims.strava.url}/_sim/requests`)).json();
      // one exchange per side, then refreshes
      expect(google['oauth.token']['200']).toBeGreaterThan(2);
      expect(strava['oauth.token']['200']).toBeGreaterThan(2);
    } finally {
      for (const sim of [sims.google, sims.strava])
        await putJson(`${sim.url}/_sim/config`, { accessTokenLifetimeSeconds: 21_600 });
    }
  }, 300_000);
});
