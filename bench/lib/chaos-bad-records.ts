/**
 * The `bad-records` scenario of bench:chaos (issue 25, "one bad record costs one chunk"): through 1
 * API and 2 workers, 1 in 50 source records (their per-record read) and 1 in 50 destination writes
 * fail with 500 every time (`poisonRate` at both simulators), and nothing else goes wrong. Each such
 * record must end FAILED (PROVIDER_RECORD_ERROR) in the import report, its sync
 * COMPLETED_WITH_ERRORS with one N-06, every other record imported once, every sync ended within
 * `badSeconds` of its start. Results: bench/results/chaos-bad-records.json.
 */
import * as sim from './chaos-faults.js';
import type { ChaosOptions } from './chaos-options.js';
import {
  compare,
  importReport,
  notifications,
  orchestrationTimes,
  plantedRecords,
  type SyncOutcome,
} from './chaos-poison-verify.js';
import {
  clock,
  retry,
  setUpUsers,
  startCluster,
  startSync,
  waitSettled,
  type Cluster,
} from './chaos-setup.js';
import { databaseFigures, destinationDuplicates, printDatabaseFigures } from './chaos-verify.js';
import { printTable, printTargets, round, writeResult } from './report.js';

export async function runBadRecords(
  O: ChaosOptions,
  random: () => number,
  onPart: (part: Partial<Cluster>) => void,
): Promise<boolean> {
  const { t0, log } = clock();
  console.log(
    `bad-records run: ${O.badUsers} users (${O.badReverseUsers} Strava -> Fitbit), poison rate ${O.poisonRate} on every per-record read and write, no other fault, each sync must end within ${O.badSeconds} s`,
  );
  const c = await startCluster(O, 'bad-records', 2, random, onPart);
  log(`service up: api ${c.apiUrl}, 2 workers; PostgreSQL on port ${c.db.port}; logs in ${c.logDir}`);
  // poison first: the connections' automatic 7-day syncs meet it as well
  await sim.poisonRecords(c.sims.google.url, 'google', O.poisonRate);
  await sim.poisonRecords(c.sims.strava.url, 'strava', O.poisonRate);
  const users = await setUpUsers(c, {
    users: O.badUsers,
    reverseUsers: O.badReverseUsers,
    sessionsPerWeek: O.sessionsPerWeek,
  });
  for (const u of users) u.syncId = await startSync(u);
  const startedAt = Date.now();
  log(`${users.length} users connected, ${users.length} LAST_YEAR syncs started`);

  const settled = await waitSettled(c.db.url, startedAt + O.badSeconds * 1000 + 5000, log);
  log(
    settled ? 'every sync has ended' : `timeout: some syncs had not ended ${O.badSeconds} s after the start`,
  );

  const times = await retry(() => orchestrationTimes(c.db.url));
  const hits = {
    google: await sim.poisonHits(c.sims.google.url),
    strava: await sim.poisonHits(c.sims.strava.url),
  };
  const hitsOf = (side: { provider: string }) => (side.provider === 'fitbit' ? hits.google : hits.strava);
  const outcomes: SyncOutcome[] = [];
  for (const u of users) {
    const rows = await importReport(u.api, u.syncId!);
    const planted = await plantedRecords({
      user: u,
      rows,
      sourceHits: hitsOf(u.source),
      destinationHits: hitsOf(u.destination),
      dbUrl: c.db.url,
      rate: O.poisonRate,
    });
    const initial = u.initialSyncId ? await importReport(u.api, u.initialSyncId) : [];
    const imported = new Set(
      [...rows, ...initial].filter((r) => r.status === 'IMPORTED').map((r) => r.sourceRecordId),
    );
    const destination = await destinationDuplicates([u.destination]);
    const pushes = (await notifications(u.api)).filter((n) => n.orchestrationId === u.syncId);
    const o = times.get(u.syncId!);
    outcomes.push({
      user: u.id,
      syncId: u.syncId!,
      status: o?.status ?? '?',
      seconds: o?.seconds === null || o?.seconds === undefined ? null : round(o.seconds, 1),
      rows: rows.length,
      planted: planted.planted.size,
      ...compare(rows, planted.planted),
      unmappedHits: planted.unmapped,
      hashAgrees: planted.hashAgrees,
      completionPushes: pushes.map((n) => `${n.code}x${n.deliveries.length}`),
      destinationRecords: destination.records,
      importedDistinct: imported.size,
    });
  }
  const figures = await retry(() => databaseFigures(c.db.url));
  const destinations = await destinationDuplicates(users.map((u) => u.destination));
  return reportBadRecords(O, t0, outcomes, figures, destinations, hits);
}

function reportBadRecords(
  O: ChaosOptions,
  t0: number,
  outcomes: SyncOutcome[],
  f: Awaited<ReturnType<typeof databaseFigures>>,
  d: Awaited<ReturnType<typeof destinationDuplicates>>,
  hits: { google: sim.PoisonHit[]; strava: sim.PoisonHit[] },
): boolean {
  printTable(
    'LAST_YEAR syncs',
    outcomes.map((o) => ({
      user: o.user,
      status: o.status,
      seconds: o.seconds ?? '—',
      records: o.rows,
      planted: o.planted,
      failedAsPlanted: o.failedAsPlanted,
      wrong: o.wrongFailures.length + o.plantedNotFailed.length + o.othersNotImported.length,
      pushes: o.completionPushes.join(' ') || '—',
      destination: `${o.destinationRecords}/${o.importedDistinct}`,
    })),
  );
  for (const o of outcomes.filter(
    (x) => x.wrongFailures.length + x.plantedNotFailed.length + x.othersNotImported.length,
  ))
    console.log(
      `  ${o.user}: FAILED not as planted [${o.wrongFailures.slice(0, 5).join(' ')}], planted not FAILED [${o.plantedNotFailed.slice(0, 5).join(' ')}], others not imported [${o.othersNotImported.slice(0, 5).join(' ')}]`,
    );
  printDatabaseFigures(f);
  const byEndpoint: Record<string, { records: number; answers: number }> = {};
  for (const [provider, list] of Object.entries(hits))
    for (const h of list) {
      const e = (byEndpoint[`${provider} ${h.endpoint}`] ??= { records: 0, answers: 0 });
      e.records++;
      e.answers += h.count;
    }
  printTable(
    'Poisoned answers (simulators)',
    Object.entries(byEndpoint).map(([endpoint, v]) => ({
      endpoint,
      records: v.records,
      answers500: v.answers,
    })),
  );
  const unmapped = outcomes.flatMap((o) => o.unmappedHits);
  const planted = outcomes.reduce((s, o) => s + o.planted, 0);
  console.log(
    `\n  planted records in the LAST_YEAR syncs: ${planted}; poisoned answers not mapped to a record of them: ${unmapped.length}${unmapped.length ? ` (${unmapped.slice(0, 5).join(', ')})` : ''}; read-poisoned set agrees with isPoisoned(): ${outcomes.filter((o) => o.hashAgrees).length}/${outcomes.length} syncs`,
  );

  const late = outcomes.filter((o) => o.seconds === null || o.seconds > O.badSeconds);
  const wrong = outcomes.filter((o) => o.wrongFailures.length || o.plantedNotFailed.length);
  const notImported = outcomes.reduce((s, o) => s + o.othersNotImported.length, 0);
  const heldWrong = outcomes.filter((o) => o.destinationRecords !== o.importedDistinct);
  const badStatus = outcomes.filter(
    (o) => o.status !== (o.planted > 0 ? 'COMPLETED_WITH_ERRORS' : 'COMPLETED'),
  );
  const badPush = outcomes.filter(
    (o) =>
      o.completionPushes.length !== 1 ||
      o.completionPushes[0] !== `${o.status === 'COMPLETED' ? 'N-05' : 'N-06'}x1`,
  );
  const withErrors = outcomes.filter((o) => o.status === 'COMPLETED_WITH_ERRORS');
  const checks = {
    everySyncEndedInTime: {
      target: `every sync ends within ${O.badSeconds} s of its start`,
      value: `${outcomes.length - late.length}/${outcomes.length} (slowest ${Math.max(0, ...outcomes.map((o) => o.seconds ?? Infinity))} s)`,
      met: late.length === 0,
    },
    exactlyPlantedFailed: {
      target: 'exactly the planted records FAILED (PROVIDER_RECORD_ERROR) in the import report',
      value: `${outcomes.reduce((s, o) => s + o.failedAsPlanted, 0)}/${planted} planted; syncs with a wrong FAILED set ${wrong.length}`,
      met: wrong.length === 0 && unmapped.length === 0,
    },
    othersImportedOnce: {
      target: 'every other record imported once (report, destination count, 0 duplicates)',
      value: `not imported ${notImported}; destinations off ${heldWrong.length}; duplicates ${d.duplicates + d.duplicateExternalIds}`,
      met: notImported === 0 && heldWrong.length === 0 && d.duplicates === 0 && d.duplicateExternalIds === 0,
    },
    statusFollowsPlanted: {
      target: 'COMPLETED_WITH_ERRORS with a planted record, COMPLETED without',
      value: `${outcomes.length - badStatus.length}/${outcomes.length} (${withErrors.length} with errors)`,
      met: badStatus.length === 0,
    },
    oneCompletionPushPerDevice: {
      target: 'exactly one N-06 (with errors) or N-05 per sync, one delivery per device',
      value: `${outcomes.length - badPush.length}/${outcomes.length}`,
      met: badPush.length === 0,
    },
  };
  printTargets('Targets (bad-records)', checks);
  const file = writeResult('chaos-bad-records', {
    scenario: 'bad-records',
    options: O,
    wallSeconds: round((Date.now() - t0) / 1000, 1),
    checks,
    syncs: outcomes,
    figures: f,
    destinations: d,
    poisonedAnswers: byEndpoint,
  });
  const passed = Object.values(checks).every((check) => check.met);
  console.log(`\n  ${passed ? 'every target met' : 'targets missed'}; results: ${file}`);
  return passed;
}
