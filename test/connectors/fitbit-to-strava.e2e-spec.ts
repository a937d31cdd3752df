import { kindFromGoogle } from '../../src/modules/providers/fitbit/fitbit.activity-kinds.js';
import { kindToStrava } from '../../src/modules/providers/strava/strava.activity-kinds.js';
import { addDays, addMonths, todayIn } from '../../src/common/civil-date.js';
import {
  chunksOf,
  civilDate,
  connectedUser,
  finished,
  simAccount,
  startProviderStack,
  startSync,
  type ProviderStack,
} from '../support/providers.js';

describe('fitbit (Google Health API) -> strava, over HTTP against the simulators', () => {
  let stack: ProviderStack;

  beforeAll(async () => {
    stack = await startProviderStack();
  });
  afterAll(() => stack.close());

  it('moves a year of ~200 sessions, each exactly once with the right sport, start, elapsed time and distance', async () => {
    const { sims, t } = stack;
    const { connection, initialSync } = await connectedUser(stack, 'ana', { historyDays: 400 });
    expect(initialSync).toMatchObject({
      status: 'COMPLETED',
      kind: 'INITIAL_7_DAY',
    });

    sims.strava.stats.reset(); // from here, the simulator's own log counts this sync's requests
    const id = await startSync(t, 'ana', connection.id, { preset: 'LAST_YEAR' });
    const done = await finished(t, 'ana', id);
    const requests = sims.strava.stats.snapshot() as Record<string, Record<string, number>>;
    expect(done).toMatchObject({
      status: 'COMPLETED',
      totalChunks: 12,
      completedChunks: 12,
      failedChunks: 0,
    });

    const today = todayIn('Europe/Berlin');
    const start = addDays(addMonths(today, -12), 1);
    const source = (await simAccount(sims.google, 'ana-fitbit')).dataPoints.filter((p: any) => {
      const date = civilDate(
        p.exercise.interval.startTime,
        Number.parseFloat(p.exercise.interval.startUtcOffset),
      );
      return date >= start && date <= today;
    });
    expect(source.length).toBeGreaterThan(170);
    expect(source.length).toBeLessThan(280);

    const landed = (await simAccount(sims.strava, 'ana-strava')).activities as Array<Record<string, any>>;
    expect(landed).toHaveLength(source.length);
    const byStart = new Map<string, Array<Record<string, any>>>();
    for (const a of landed) byStart.set(a.start_date, [...(byStart.get(a.start_date) ?? []), a]);
    for (const p of source) {
      const matches = byStart.get(p.exercise.interval.startTime) ?? [];
      expect(matches).toHaveLength(1);
      const [a] = matches;
      expect(a.sport_type).toBe(kindToStrava(kindFromGoogle(p.exercise.exerciseType)));
      const elapsed =
        (Date.parse(p.exercise.interval.endTime) - Date.parse(p.exercise.interval.startTime)) / 1000;
      expect(a.elapsed_time).toBe(elapsed);
      expect(a.distance).toBeCloseTo((p.exercise.metricsSummary.distanceMillimeters ?? 0) / 1000, 0);
      if (p.exercise.exerciseMetadata.hasGps) {
        expect(a.manual).toBe(false);
        expect(a.external_id).toMatch(/^sw-[0-9a-f]{32}\.fit$/);
        expect(a.start_latlng).toHaveLength(2);
      } else {
        expect(a.manual).toBe(true);
        expect(a.description).toMatch(/\[syncwell:sw-[0-9a-f]{32}\]/);
      }
    }
    const chunks = await chunksOf(t, 'ana', id);
    const read = chunks.reduce((sum, c) => sum + c.recordsRead, 0);
    const written = chunks.reduce((sum, c) => sum + c.recordsWritten, 0);
    // what the automatic 7-day sync already wrote is at the destination: skipped, never written again
    const initial = await chunksOf(t, 'ana', connection.initialSync.orchestrationId);
    const alreadyThere = initial.reduce((sum, c) => sum + c.recordsWritten, 0);
    expect(read).toBe(source.length);
    expect(written).toBe(source.length - alreadyThere);
    expect(chunks.reduce((sum, c) => sum + c.recordsSkipped, 0)).toBe(alreadyThere);
    expect(done.records).toEqual({
      read: source.length,
      imported: source.length - alreadyThere,
      skipped: alreadyThere,
      failed: 0,
    });

    // Strava's quota spent on workouts (issue 28), by the simulator's log: one write per imported
    // activity; the uploads confirmed by one list per chunk (no status polls); what the destination
    // already held listed once for the whole sync; nothing else
    const tracked = source.filter((p: any) => p.exercise.exerciseMetadata.hasGps).length;
    expect(requests['uploads.create']).toEqual({ '201': expect.any(Number) });
    expect(requests['activities.create']).toEqual({ '201': expect.any(Number) });
    expect(requests['uploads.create']['201'] + requests['activities.create']['201']).toBe(
      source.length - alreadyThere,
    );
    expect(tracked).toBeGreaterThan(0);
    expect(requests['uploads.get']).toBeUndefined();
    expect(requests['activities.list']['200']).toBeLessThanOrEqual(1 + 12);
    expect(
      Object.keys(requests)
        .filter((e) => !e.startsWith('oauth.'))
        .sort(),
    ).toEqual(['activities.create', 'activities.list', 'uploads.create']);
  });
});
