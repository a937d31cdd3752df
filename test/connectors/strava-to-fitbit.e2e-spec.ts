import { kindToGoogle } from '../../src/modules/providers/fitbit/fitbit.activity-kinds.js';
import { kindFromStrava } from '../../src/modules/providers/strava/strava.activity-kinds.js';
import {
  chunksOf,
  connectUser,
  finished,
  type ProviderStack,
  simAccount,
  startProviderStack,
  startSync,
  userAccounts,
} from '../support/providers.js';

describe('strava -> fitbit (Google Health API), over HTTP against the simulators', () => {
  let stack: ProviderStack;

  beforeAll(async () => {
    stack = await startProviderStack();
  });
  afterAll(() => stack.close());

  it('moves a year of Strava activities to Google Health exactly once, a malformed activity skipped and reported', async () => {
    const { sims, t } = stack;
    const bo = { from: 'strava', to: 'fitbit', historyDays: 400, timezone: 'America/New_York' } as const;
    await userAccounts(stack, 'bo', bo);
    // a record the source returns but that cannot be an exercise: it ends before it starts
    const broken = await (
      await fetch(`${sims.strava.url}/_sim/accounts/bo-strava/raw`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          id: 999_000_001,
          start_date: '2026-06-15T10:00:00Z',
          elapsed_time: -60,
          name: 'Broken',
        }),
      })
    ).json();
    expect(broken.elapsed_time).toBe(-60);

    const { connection } = await connectUser(stack, 'bo', bo);
    const id = await startSync(t, 'bo', connection.id, { preset: 'LAST_YEAR' });
    const done = await finished(t, 'bo', id);
    expect(done).toMatchObject({ status: 'COMPLETED', completedChunks: 12, failedChunks: 0 });

    const start = Date.parse(done.startDate) / 1000 - 86_400;
    const source = (
      (await simAccount(sims.strava, 'bo-strava')).activities as Array<Record<string, any>>
    ).filter(
      (a) =>
        a.start_date_local.slice(0, 10) >= done.startDate &&
        a.start_date_local.slice(0, 10) <= done.endDate &&
        a.id !== 999_000_001,
    );
    expect(start).toBeGreaterThan(0);
    expect(source.length).toBeGreaterThan(170);
    const landed = (await simAccount(sims.google, 'bo-fitbit')).dataPoints as Array<Record<string, any>>;
    expect(landed).toHaveLength(source.length);
    const byStart = new Map(landed.map((p) => [p.exercise.interval.startTime, p]));
    expect(byStart.size).toBe(landed.length);
    for (const a of source) {
      const p = byStart.get(a.start_date)!;
      expect(p).toBeDefined();
      expect(p.exercise.exerciseType).toBe(kindToGoogle(kindFromStrava(a.sport_type)));
      expect(
        (Date.parse(p.exercise.interval.endTime) - Date.parse(p.exercise.interval.startTime)) / 1000,
      ).toBe(a.elapsed_time);
      expect((p.exercise.metricsSummary.distanceMillimeters ?? 0) / 1000).toBeCloseTo(a.distance, 0);
      expect(p.name).toMatch(/dataPoints\/sw-[0-9a-f]{32}$/);
    }

    // skipped: the malformed activity, and what the automatic 7-day sync had already written
    // (already at the destination: counted as skipped, never as written)
    const initial = await chunksOf(t, 'bo', connection.initialSync.orchestrationId);
    const alreadyThere = initial.reduce((s, c) => s + c.recordsWritten, 0);
    const chunks = await chunksOf(t, 'bo', id);
    expect(chunks.reduce((s, c) => s + c.recordsSkipped, 0)).toBe(1 + alreadyThere);
    expect(chunks.reduce((s, c) => s + c.recordsWritten, 0)).toBe(source.length - alreadyThere);
    expect(done.records).toEqual({
      read: source.length + 1,
      imported: source.length - alreadyThere,
      skipped: 1 + alreadyThere,
      failed: 0,
    });
    const junk = await t.db
      .selectFrom('sync_ledger')
      .selectAll()
      .where('source_record_id', '=', '999000001')
      .executeTakeFirstOrThrow();
    expect(junk).toMatchObject({ status: 'SKIPPED', destination_id: null });
    expect(junk.reason).toMatch(/invalid source record/);
  });
});
