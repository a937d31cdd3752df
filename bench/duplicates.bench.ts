/**
 * Strava requests per imported activity during a 1-year Fitbit -> Strava sync where 30 % of the
 * workouts are already at Strava (planted through the simulator's control API), against the
 * physical minimum: one write per imported activity and one list page per 200 activities the
 * range holds at Strava. Everything else the sync sends to Strava is overhead. The service is the real entry point as built, in its own process; the
 * simulators run in this one so their request counts can be read.
 */
import { randomUUID } from 'node:crypto';
import { addDays, addMonths, todayIn } from '../src/common/civil-date.js';
import { startOfCivilDate } from '../src/common/time-zone.js';
import { seedPreExisting } from '../src/simulators/seed-duplicates.js';
import { freshDatabase, stopEmbedded } from './lib/database.js';
import { startProviderStack, waitForEnd } from './lib/provider-stack.js';
import { printTable, round, writeResult } from './lib/report.js';
import { answered, stravaEconomy, type Counts } from './lib/strava-economy.js';

const SCALE = Number(process.env.BENCH_TIME_SCALE ?? 0.02);
const PORT = 3931;
const GOOGLE_PORT = 4131;
const STRAVA_PORT = 4141;
const DAY = 86_400_000;

async function main() {
  const db = await freshDatabase('duplicates');
  const stack = await startProviderStack(db.url, SCALE, {
    api: PORT,
    google: GOOGLE_PORT,
    strava: STRAVA_PORT,
  });
  const { sims } = stack;
  try {
    console.log(
      `duplicates benchmark: 1-year Fitbit -> Strava, 30 % already at Strava, time scale x${SCALE}`,
    );
    const user = `dup-${Date.now().toString(36)}`;
    const { connectionId, api } = await stack.connect(user);
    // the initial 7-day sync has run; plant copies in the rest of the year
    const seeded = await seedPreExisting({
      source: { provider: 'fitbit', url: sims.google.url, account: `${user}-fitbit` },
      destination: { provider: 'strava', url: sims.strava.url, account: `${user}-strava` },
      // LAST_YEAR's first day (the bench's connection is in UTC)
      from: startOfCivilDate('UTC', addDays(addMonths(todayIn('UTC'), -12), 1)),
      to: new Date(Date.now() - 8 * DAY),
    });
    sims.strava.stats.reset();
    const sync = await api(
      'POST',
      `/v1/connections/${connectionId}/historical-syncs`,
      { range: { preset: 'LAST_YEAR' } },
      { 'idempotency-key': randomUUID() },
    );
    const final = await waitForEnd(api, sync.orchestrationId);
    const counts = sims.strava.stats.snapshot() as Counts;

    const records = final.records as { read: number; imported: number; skipped: number; failed: number };
    // why the skipped ones were skipped, from the import report
    const reasons: Record<string, number> = {};
    const rows = new Map<string, { status: string; reason: { code: string; message: string } | null }>();
    let cursor: string | undefined;
    do {
      const page = await api(
        'GET',
        `/v1/orchestrations/${sync.orchestrationId}/records?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      for (const item of page.items as Array<{
        sourceRecordId: string;
        status: string;
        reason: { code: string; message: string } | null;
      }>) {
        rows.set(item.sourceRecordId, item);
        if (item.status === 'SKIPPED_DUPLICATE')
          reasons[item.reason?.code ?? 'NONE'] = (reasons[item.reason?.code ?? 'NONE'] ?? 0) + 1;
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const unmatched = seeded.copies.filter(
      (c) => rows.get(c.sourceId)?.reason?.code !== 'DUPLICATE_AT_DESTINATION',
    );
    for (const copy of unmatched)
      console.log(
        `  planted copy not matched: ${JSON.stringify(copy)} -> ${JSON.stringify(rows.get(copy.sourceId))}`,
      );
    const uploads = answered(counts, 'uploads.create');
    const manual = answered(counts, 'activities.create');
    const polls = answered(counts, 'uploads.get');
    const lists = answered(counts, 'activities.list');
    const total = Object.entries(counts)
      .filter(([endpoint]) => !endpoint.startsWith('oauth.'))
      .reduce((sum, [endpoint]) => sum + answered(counts, endpoint), 0);
    const rejected = Object.values(counts).reduce((sum, byStatus) => sum + (byStatus['429'] ?? 0), 0);
    // the physical minimum: a write per imported activity, a list page per 200 activities the range
    // holds at Strava (the planted copies and what the sync wrote)
    const economy = stravaEconomy(
      'fitbit -> strava',
      counts,
      records.imported,
      records.imported + seeded.copies.length,
    );
    const { minimum, ratio } = economy;
    printTable(
      'Strava requests during the sync (answered, not 429)',
      Object.keys(counts)
        .filter((endpoint) => !endpoint.startsWith('oauth.'))
        .map((endpoint) => ({ endpoint, requests: answered(counts, endpoint) })),
    );
    printTable('Per imported activity', [
      {
        read: records.read,
        imported: records.imported,
        skippedDuplicates: records.skipped,
        reasons: Object.entries(reasons)
          .map(([code, n]) => `${code} ${n}`)
          .join(', '),
        planted: seeded.copies.length,
        matched: seeded.copies.length - unmatched.length,
        writes: uploads + manual,
        polls,
        lists,
        total,
        minimum,
        perImported: round(total / Math.max(1, records.imported), 3),
        minimumPerImported: round(minimum / Math.max(1, records.imported), 3),
        ratio,
      },
    ]);
    printTable('Strava quota (simulator log): minimum = writes + a list page per 200 activities', [
      economy as unknown as Record<string, number | string>,
    ]);
    const met = ratio <= 1.06 && economy.reads <= 15 && unmatched.length === 0;
    console.log(
      `\n  sync ${final.status}; ${total} Strava requests vs minimum ${minimum} (one write per imported activity + list pages): ratio ${ratio} (target <= 1.06), ${economy.reads} reads (target <= 15), ${economy.syncsPerAppDay} one-year syncs per app-day; every planted copy matched: ${unmatched.length === 0}: ${met ? 'met' : 'NOT met'}; ${rejected} answered 429`,
    );
    console.log(
      `  results: ${writeResult('duplicates', { timeScale: SCALE, status: final.status, chunks: final.totalChunks, records, reasons, planted: seeded.copies.length, plantedMatched: seeded.copies.length - unmatched.length, nearMisses: seeded.nearMisses.length, uploads, manual, polls, lists, total, minimum, ratio, target: 1.06, met, economy, rejected429: rejected, counts })}`,
    );
  } finally {
    await stack.close();
    await db.drop();
    await stopEmbedded();
  }
}

await main();
process.exit(0);
