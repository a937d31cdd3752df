import request from 'supertest';
import { addDays, todayIn } from '../../src/common/civil-date.js';
import { startOfCivilDate } from '../../src/common/time-zone.js';
import { seedPreExisting } from '../../src/simulators/seed-duplicates.js';
import { eventually } from '../support/app.js';
import {
  connectUser,
  finished,
  type ProviderStack,
  simAccount,
  startProviderStack,
  userAccounts,
} from '../support/providers.js';
import { report, startSyncWith } from '../support/records.js';

const TZ = 'Europe/Berlin';

/** Issue 14 in the other direction: Google Health as the destination, listed by civil time. */
describe('duplicates, strava -> fitbit', () => {
  let stack: ProviderStack;

  beforeAll(async () => {
    stack = await startProviderStack();
  });
  afterAll(() => stack.close());

  it('strava -> fitbit: copies already at Google Health (listed by civil time) are not written; the report pages stably while the sync runs', async () => {
    const { t, sims } = stack;
    const fay = {
      from: 'strava',
      to: 'fitbit',
      historyDays: 120,
      sessionsPerWeek: [3, 4],
      timezone: TZ,
    } as const;
    await userAccounts(stack, 'fay', fay);
    const today = todayIn(TZ);
    const [startDate, endDate] = [addDays(today, -70), addDays(today, -10)];
    const window = { from: startOfCivilDate(TZ, startDate), to: startOfCivilDate(TZ, addDays(endDate, 1)) };
    const seeded = await seedPreExisting({
      source: { provider: 'strava', url: sims.strava.url, account: 'fay-strava' },
      destination: { provider: 'fitbit', url: sims.google.url, account: 'fay-fitbit' },
      ...window,
    });
    expect(seeded.copies.length).toBeGreaterThanOrEqual(5);
    const { connection } = await connectUser(stack, 'fay', fay);
    const created = await startSyncWith(t, 'fay', connection.id, {
      range: { preset: 'CUSTOM', startDate, endDate },
    });
    // a first page while the sync runs, the rest after it ended: no row twice, order kept
    const first = await eventually(
      async () => {
        const res = await request(t.http)
          .get(`/v1/orchestrations/${created.orchestrationId}/records`)
          .query({ limit: 5 })
          .set('Authorization', `Bearer ${t.token('fay')}`)
          .expect(200);
        return res.body.items.length === 5 ? res.body : undefined;
      },
      60_000,
      'a first page of the report',
    );
    const done = await finished(t, 'fay', created.orchestrationId);
    expect(done.status).toBe('COMPLETED');
    const rest = await report(t, 'fay', created.orchestrationId, { cursor: first.nextCursor });
    const paged = [...first.items, ...rest];
    const ids = paged.map((r) => r.sourceRecordId);
    expect(new Set(ids).size).toBe(ids.length);
    const order = paged.map((r) => `${r.startTime}|${r.sourceRecordId}`);
    expect(order).toEqual([...order].sort());

    const activities = (
      (await simAccount(sims.strava, 'fay-strava')).activities as Array<Record<string, any>>
    ).filter(
      (a) =>
        Date.parse(a.start_date) >= window.from.getTime() && Date.parse(a.start_date) < window.to.getTime(),
    );
    const rows = await report(t, 'fay', created.orchestrationId);
    expect(rows.map((r) => r.sourceRecordId).sort()).toEqual(activities.map((a) => String(a.id)).sort());
    const byId = new Map(rows.map((r) => [r.sourceRecordId, r]));
    for (const copy of seeded.copies)
      expect(byId.get(copy.sourceId)).toMatchObject({
        status: 'SKIPPED_DUPLICATE',
        reason: { code: 'DUPLICATE_AT_DESTINATION' },
        duplicateOf: {
          recordId: copy.destinationId,
          url: `https://www.fitbit.com/activities/exercise/${copy.destinationId}`,
        },
      });
    const copied = new Set(seeded.copies.map((c) => c.sourceId));
    const landed = (await simAccount(sims.google, 'fay-fitbit')).dataPoints as Array<Record<string, any>>;
    const ours = landed.filter(
      (p) =>
        /dataPoints\/sw-[0-9a-f]{32}$/.test(p.name) &&
        Date.parse(p.exercise.interval.startTime) < window.to.getTime(),
    );
    expect(ours.map((p) => p.exercise.interval.startTime).sort()).toEqual(
      activities
        .filter((a) => !copied.has(String(a.id)))
        .map((a) => a.start_date)
        .sort(),
    );
    for (const row of rows.filter((r) => r.status === 'IMPORTED'))
      expect(row.destination.url).toBe(
        `https://www.fitbit.com/activities/exercise/${row.destination.recordId}`,
      );
    expect(done.records).toEqual({
      read: rows.length,
      imported: rows.length - seeded.copies.length,
      skipped: seeded.copies.length,
      failed: 0,
    });
  });
});
