import { addDays, todayIn } from '../../src/common/civil-date.js';
import { hasTrack } from '../../src/modules/providers/strava/strava.mapper.js';
import {
  civilDate,
  connectedUser,
  expectNoDuplicates,
  finished,
  simAccount,
  startProviderStack,
  startSync,
  stravaActivities,
  type ProviderStack,
} from '../support/providers.js';

const STRAVA_WRITES = new Set(['uploads.create', 'activities.create']);

/**
 * Chunks cut short by Strava's spent 15-minute window (time-scaled: 9 s) and run again when it
 * turns: every record lands once, and the reruns cost Strava no extra reads. A record claimed in
 * the ledger whose write the spent budget held back was never sent, so its rerun writes it as new
 * (confirmed in the page's one list) instead of looking for it first and confirming it alone.
 */
describe('chunks cut short by a spent Strava window', () => {
  let stack: ProviderStack;

  beforeAll(async () => {
    stack = await startProviderStack({
      // one chunk at a time: no two chunks' confirmation lists can share one and hide an extra list
      env: {
        STRAVA_LIMIT_15MIN: '25',
        STRAVA_READ_LIMIT_15MIN: '20',
        PROVIDER_MAX_WAIT_SECONDS: '1',
        CHUNK_USER_CONCURRENCY: '1',
      },
    });
  });
  afterAll(() => stack.close());

  it('writes each record once, with one list per chunk and the sync’s one snapshot list', async () => {
    const { sims, t } = stack;
    const { connection } = await connectedUser(stack, 'qc', { historyDays: 120, sessionsPerWeek: [4, 5] });
    const today = todayIn('Europe/Berlin');
    const [startDate, endDate] = [addDays(today, -100), addDays(today, -10)];
    sims.strava.stats.reset();
    const id = await startSync(t, 'qc', connection.id, { preset: 'CUSTOM', startDate, endDate });
    const done = await finished(t, 'qc', id);
    const requests = sims.strava.stats.snapshot() as Record<string, Record<string, number>>;
    expect(done).toMatchObject({ status: 'COMPLETED', failedChunks: 0 });

    const source = (await simAccount(sims.google, 'qc-fitbit')).dataPoints.filter((p: any) => {
      const date = civilDate(
        p.exercise.interval.startTime,
        Number.parseFloat(p.exercise.interval.startUtcOffset),
      );
      return date >= startDate && date <= endDate;
    });
    const writes = (requests['uploads.create']?.['201'] ?? 0) + (requests['activities.create']?.['201'] ?? 0);
    // more writes than two windows carry: the sync was cut short at least twice
    expect(writes).toBeGreaterThan(2 * 25);
    expect(writes).toBe(source.length);
    const landed = await stravaActivities(stack, 'qc-strava');
    expectNoDuplicates(landed);

    const reads = Object.entries(requests)
      .filter(([endpoint]) => !STRAVA_WRITES.has(endpoint) && !endpoint.startsWith('oauth.'))
      .map(([endpoint, byStatus]) => [endpoint, Object.values(byStatus).reduce((a, b) => a + b, 0)] as const);
    // the snapshot and one list per chunk: no record confirmed alone on a rerun
    expect(Object.fromEntries(reads)).toEqual({ 'activities.list': 1 + done.totalChunks });
  });

  it('Strava -> Fitbit: a rerun reads no streams of activities an earlier run settled', async () => {
    const { sims, t } = stack;
    // dense enough that its reads (a list per chunk, the streams of ~60 tracked activities) need 3+ windows
    const options = { from: 'strava', to: 'fitbit', historyDays: 120, sessionsPerWeek: [6, 7] } as const;
    const { connection } = await connectedUser(stack, 'qr', options);
    const today = todayIn('Europe/Berlin');
    const [startDate, endDate] = [addDays(today, -100), addDays(today, -10)];
    sims.strava.stats.reset();
    const id = await startSync(t, 'qr', connection.id, { preset: 'CUSTOM', startDate, endDate });
    const done = await finished(t, 'qr', id);
    const requests = sims.strava.stats.snapshot() as Record<string, Record<string, number>>;
    expect(done).toMatchObject({ status: 'COMPLETED', failedChunks: 0 });

    const activities = ((await simAccount(sims.strava, 'qr-strava')).activities as any[]).filter((a) => {
      const date = civilDate(a.start_date, a.utc_offset);
      return date >= startDate && date <= endDate;
    });
    const reads = Object.values(requests).reduce(
      (sum, byStatus) => sum + Object.values(byStatus).reduce((a, b) => a + b, 0),
      0,
    );
    // more reads than two windows carry: the sync was cut short at least twice
    expect(reads).toBeGreaterThan(2 * 20);
    // each tracked activity's streams once, however often its chunk ran
    expect(requests['streams.get']).toEqual({ '200': activities.filter(hasTrack).length });
  });
});
