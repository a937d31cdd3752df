import request from 'supertest';
import { addDays, addMonths, todayIn } from '../../src/common/civil-date.js';
import { startOfCivilDate } from '../../src/common/time-zone.js';
import { seedPreExisting, type SeedResult } from '../../src/simulators/seed-duplicates.js';
import { report, startSyncWith } from '../support/records.js';
import {
  connectUser,
  finished,
  type ProviderStack,
  simAccount,
  startProviderStack,
  userAccounts,
} from '../support/providers.js';

const TZ = 'Europe/Berlin';

/** LAST_YEAR's window, as the sync computes it, in instants. */
function lastYear(): { from: Date; to: Date } {
  const today = todayIn(TZ);
  return {
    from: startOfCivilDate(TZ, addDays(addMonths(today, -12), 1)),
    to: startOfCivilDate(TZ, addDays(today, 1)),
  };
}

/** Source workouts (fitbit) in the window: start instants by source id. */
async function fitbitSource(stack: ProviderStack, login: string, window: { from: Date; to: Date }) {
  const points = (await simAccount(stack.sims.google, login)).dataPoints as Array<Record<string, any>>;
  return new Map(
    points
      .map((p) => [String(p.name).split('/').at(-1)!, p.exercise.interval.startTime as string] as const)
      .filter(
        ([, start]) => Date.parse(start) >= window.from.getTime() && Date.parse(start) < window.to.getTime(),
      ),
  );
}

describe('duplicates: a careful import skips what the destination already holds, and reports every record', () => {
  let stack: ProviderStack;

  beforeAll(async () => {
    stack = await startProviderStack();
  });
  afterAll(() => stack.close());

  async function setUp(user: string, seed: SeedResult | null = null) {
    const { sims } = stack;
    const options = { historyDays: 400, seed: 'dup-athlete', sessionsPerWeek: [2, 3], timezone: TZ } as const;
    await userAccounts(stack, user, options);
    const window = lastYear();
    const seeded =
      seed ??
      (await seedPreExisting({
        source: { provider: 'fitbit', url: sims.google.url, account: `${user}-fitbit` },
        destination: { provider: 'strava', url: sims.strava.url, account: `${user}-strava` },
        from: window.from,
        to: window.to,
      }));
    const { connection } = await connectUser(stack, user, options);
    return { connection, seeded, window, source: await fitbitSource(stack, `${user}-fitbit`, window) };
  }

  it('LAST_YEAR fitbit -> strava with 30 % already at Strava: none of them written, the rest exactly once, every record reported', async () => {
    const { t, sims } = stack;
    const { connection, seeded, source } = await setUp('dana');
    expect(seeded.copies.length).toBeGreaterThanOrEqual(Math.floor(source.size * 0.3) - 1);
    expect(new Set(seeded.copies.map((c) => c.variant))).toEqual(
      new Set(['EXACT', 'SHIFTED', 'PLUS_ONE_HOUR', 'COMPATIBLE_SPORT']),
    );
    expect(seeded.nearMisses.map((n) => n.variant)).toEqual(
      expect.arrayContaining(['DIFFERENT_SPORT', 'GAP_20_MIN', 'WALK_INSIDE_RIDE']),
    );

    const created = await startSyncWith(t, 'dana', connection.id, { range: { preset: 'LAST_YEAR' } });
    expect(created.duplicatePolicy).toBe('SKIP');
    const done = await finished(t, 'dana', created.orchestrationId);
    expect(done).toMatchObject({ status: 'COMPLETED', duplicatePolicy: 'SKIP' });

    // at Strava: the planted activities, plus each remaining source workout exactly once
    const planted = new Set([...seeded.copies, ...seeded.nearMisses].map((c) => c.destinationId));
    const landed = (await simAccount(sims.strava, 'dana-strava')).activities as Array<Record<string, any>>;
    const ours = landed.filter((a) => !planted.has(String(a.id)));
    const copied = new Set(seeded.copies.map((c) => c.sourceId));
    const expected = [...source].filter(([id]) => !copied.has(id)).map(([, start]) => start);
    expect(ours.map((a) => a.start_date).sort()).toEqual(expected.sort());

    // the report: every source record once, in order, with its fate
    const rows = await report(t, 'dana', created.orchestrationId);
    expect(rows.map((r) => r.sourceRecordId).sort()).toEqual([...source.keys()].sort());
    const order = rows.map((r) => `${r.startTime}|${r.sourceRecordId}`);
    expect(order).toEqual([...order].sort());
    const byId = new Map(rows.map((r) => [r.sourceRecordId, r]));
    for (const copy of seeded.copies) {
      expect(byId.get(copy.sourceId)).toMatchObject({
        status: 'SKIPPED_DUPLICATE',
        reason: { code: 'DUPLICATE_AT_DESTINATION' },
        destination: null,
        duplicateOf: {
          recordId: copy.destinationId,
          url: `https://www.strava.com/activities/${copy.destinationId}`,
        },
      });
    }
    const ourIds = new Set(ours.map((a) => String(a.id)));
    for (const row of rows.filter((r) => !copied.has(r.sourceRecordId))) {
      if (row.status === 'IMPORTED') {
        expect(ourIds.has(row.destination.recordId)).toBe(true);
        expect(row.destination.url).toBe(`https://www.strava.com/activities/${row.destination.recordId}`);
      } else {
        // imported by the initial 7-day sync: skipped as already synced, linked to that activity
        expect(row).toMatchObject({ status: 'SKIPPED_DUPLICATE', reason: { code: 'ALREADY_SYNCED' } });
        expect(ourIds.has(row.duplicateOf.recordId)).toBe(true);
      }
    }
    for (const miss of seeded.nearMisses)
      expect(byId.get(miss.sourceId)?.reason?.code).not.toBe('DUPLICATE_AT_DESTINATION');

    // counts equal the report's rows, on the orchestration, its status and the chunks
    const tally = {
      read: rows.length,
      imported: rows.filter((r) => r.status === 'IMPORTED').length,
      skipped: rows.filter((r) => r.status.startsWith('SKIPPED')).length,
      failed: rows.filter((r) => r.status === 'FAILED').length,
    };
    expect(done.records).toEqual(tally);
    expect(tally.imported).toBeGreaterThan(0);
    const status = await request(t.http)
      .get(`/v1/orchestrations/${created.orchestrationId}/status`)
      .set('Authorization', `Bearer ${t.token('dana')}`)
      .expect(200);
    expect(status.body).toMatchObject({ records: tally, estimatedCompletionAt: null });
    const skipped = await report(t, 'dana', created.orchestrationId, { status: 'SKIPPED_DUPLICATE' });
    expect(skipped).toHaveLength(tally.skipped);

    // owner-only
    await request(t.http)
      .get(`/v1/orchestrations/${created.orchestrationId}/records`)
      .set('Authorization', `Bearer ${t.token('someone-else')}`)
      .expect(404);
    await request(t.http)
      .get(`/v1/orchestrations/${created.orchestrationId}/records`)
      .query({ cursor: 'bm90LWEtY3Vyc29y' })
      .set('Authorization', `Bearer ${t.token('dana')}`)
      .expect(422);
  });

  it('with duplicatePolicy IMPORT every source workout is written, copies or not', async () => {
    const { t, sims } = stack;
    const { connection, seeded, source } = await setUp('eli');
    const created = await startSyncWith(t, 'eli', connection.id, {
      range: { preset: 'LAST_YEAR' },
      duplicatePolicy: 'IMPORT',
    });
    expect(created.duplicatePolicy).toBe('IMPORT');
    const done = await finished(t, 'eli', created.orchestrationId);
    expect(done).toMatchObject({ status: 'COMPLETED', duplicatePolicy: 'IMPORT' });

    const planted = new Set([...seeded.copies, ...seeded.nearMisses].map((c) => c.destinationId));
    const landed = (await simAccount(sims.strava, 'eli-strava')).activities as Array<Record<string, any>>;
    const ours = landed.filter((a) => !planted.has(String(a.id)));
    const rows = await report(t, 'eli', created.orchestrationId);
    expect(rows.filter((r) => r.reason?.code === 'DUPLICATE_AT_DESTINATION')).toEqual([]);
    expect(done.records.read).toBe(source.size);
    // every workout was sent; Strava itself refuses an upload that starts when another activity does
    // (the exact copies), and the report links those to the activity Strava named
    const exact = new Map(seeded.copies.filter((c) => c.variant === 'EXACT').map((c) => [c.sourceId, c]));
    const refused = rows.filter((r) => r.reason?.code === 'ALREADY_AT_DESTINATION');
    for (const row of refused)
      expect(row.duplicateOf.recordId).toBe(exact.get(row.sourceRecordId)?.destinationId);
    const refusedIds = new Set(refused.map((r) => r.sourceRecordId));
    const sent = [...source].filter(([id]) => !refusedIds.has(id)).map(([, start]) => start);
    expect(ours.map((a) => a.start_date).sort()).toEqual(sent.sort());
    expect(ours.length).toBeGreaterThan(source.size - exact.size - 1);
    expect(rows.filter((r) => !['IMPORTED', 'SKIPPED_DUPLICATE'].includes(r.status))).toEqual([]);
  });
});
