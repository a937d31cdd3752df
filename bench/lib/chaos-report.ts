import type { ExitRecord } from './chaos-cluster.js';
import type { ChaosOptions } from './chaos-options.js';
import type { RunRecord } from './chaos-scenario.js';
import type { databaseFigures, destinationDuplicates } from './chaos-verify.js';
import { printDatabaseFigures } from './chaos-verify.js';
import { printTable, printTargets, round, writeResult } from './report.js';

type Counts = Record<string, Record<string, number>>;

/** Injected answers the simulators gave (5xx and 429), per provider. */
function providerAnswers(counts: Counts) {
  let total = 0;
  let server = 0;
  let limited = 0;
  let token5xx = 0;
  let token429 = 0;
  for (const [endpoint, byStatus] of Object.entries(counts)) {
    for (const [status, n] of Object.entries(byStatus)) {
      total += n;
      if (Number(status) >= 500) server += n;
      if (status === '429') limited += n;
      if (endpoint === 'oauth.token' && Number(status) >= 500) token5xx += n;
      if (endpoint === 'oauth.token' && status === '429') token429 += n;
    }
  }
  return { requests: total, answered5xx: server, answered429: limited, token5xx, token429 };
}

const ms = (from: number, to: number) => (from && to ? to - from : null);

/** Prints the run's figures and the targets, writes bench/results/chaos.json; true when every target is met. */
export function report(input: {
  options: ChaosOptions;
  run: RunRecord;
  figures: Awaited<ReturnType<typeof databaseFigures>>;
  destinations: Awaited<ReturnType<typeof destinationDuplicates>>;
  /** Simulator request counts from faults on: until faults off, and until the end. */
  duringFaults: { google: Counts; strava: Counts };
  requests: { google: Counts; strava: Counts };
  exits: ExitRecord[];
  users: number;
  t0: number;
}): boolean {
  const { run, figures: f, destinations: d, exits } = input;
  const outageEnd = run.pg.readyAt ? run.pg.readyAt + 5000 : Number.POSITIVE_INFINITY;
  // a poll in flight when PostgreSQL stopped (sent before, answered after) met the outage too
  const inOutage = (p: { at: number; doneAt: number }) =>
    run.pg.stopAt > 0 && p.doneAt >= run.pg.stopAt && p.at <= outageEnd;
  const outside5xx = run.polls.filter((p) => p.status >= 500 && !inOutage(p));
  const during = run.polls.filter((p) => inOutage(p));
  // a process (re)started just as the database went down fails its start-up (migrations) and is
  // restarted by the supervisor once the database is back: reported, not a process dying with its database
  const startupFailures = exits.filter((e) => !e.injected && !e.wasLive && e.databaseDown);
  const unexpected = exits.filter((e) => !e.injected && !startupFailures.includes(e));
  const outage5xx = during.filter((p) => p.status >= 500);
  const revoked = String(run.revocation.user ?? '');
  const recovery = {
    apiReadyAfterPgStartMs: ms(run.pg.startedAt, run.pg.readyAt),
    chunksProgressAfterPgStartMs: ms(run.pg.startedAt, run.pg.progressAt),
    allSyncsEndedAfterLastKillMs: ms(run.lastKillAt, run.settledAt),
    allSyncsEndedAfterFaultsOffMs: ms(run.faultsOffAt, run.settledAt),
  };
  const polls = {
    total: run.polls.length,
    answered5xxOutsideOutage: outside5xx.length,
    byStatusOutsideOutage: tally(run.polls.filter((p) => !inOutage(p)).map((p) => p.status)),
    byStatusDuringOutage: tally(during.map((p) => p.status)),
    duringOutage503WithRetryAfter: during.filter((p) => p.status === 503 && p.retryAfter).length,
  };
  const providers = {
    google: providerAnswers(input.requests.google),
    strava: providerAnswers(input.requests.strava),
    googleDuringFaults: providerAnswers(input.duringFaults.google),
    stravaDuringFaults: providerAnswers(input.duringFaults.strava),
  };

  printDatabaseFigures(f);
  printTable(
    'Provider requests from faults on (simulators)',
    (['google', 'strava'] as const).flatMap((p) => [
      { provider: p, phase: 'faults', ...providers[`${p}DuringFaults`] },
      { provider: p, phase: 'whole run', ...providers[p] },
    ]),
  );
  printTable('Processes', [
    {
      injectedKills: run.kills,
      exits: exits.length,
      unexpectedExits: unexpected.length,
      startupFailuresWithDatabaseDown: startupFailures.length,
      unexpected: unexpected.map((e) => `${e.name}:${e.code ?? e.signal}`).join(' ') || '—',
    },
  ]);
  for (const e of unexpected.slice(0, 5))
    console.log(
      `  ${e.name} exited ${e.code ?? e.signal} at +${round((e.at - input.t0) / 1000, 1)} s: ${(e.stderrTail ?? []).join(' | ').slice(0, 600)}`,
    );
  printTable('Recovery', [recovery as Record<string, any>]);
  printTable('Revocation', [
    {
      user: revoked,
      connection: String(run.revocation.connectionStatus ?? '—'),
      sync: String(run.revocation.syncStatus ?? '—'),
      pauseReason: String(run.revocation.pauseReason ?? '—'),
      reauthorize: String(run.revocation.reauthorizeStatus ?? '—'),
      n07: f.reconnectPushes[revoked] ?? 0,
    },
  ]);
  console.log(
    `\n  records: read ${f.records.read}, written ${f.records.written}, skipped ${f.records.skipped} (${input.options.invalidRecords} invalid planted); at the destinations ${d.records}, duplicates ${d.duplicates} (same external_id twice: ${d.duplicateExternalIds})`,
  );
  console.log(
    `  status polls: ${polls.total}, 5xx outside the database outage ${polls.answered5xxOutsideOutage}; during it ${JSON.stringify(polls.byStatusDuringOutage)} (503 + Retry-After: ${polls.duringOutage503WithRetryAfter})`,
  );

  const historical = f.historicalSyncs;
  const checks = {
    chunksCompleted: {
      target: '>= 99.9 % of chunks COMPLETED',
      value: `${round(f.chunkSuccessRate * 100, 2)} % (${f.chunks.completed}/${f.chunks.total})`,
      met: f.chunkSuccessRate >= 0.999,
    },
    noFailedOrchestrations: {
      target: '0 orchestrations FAILED (every fault is transient)',
      value: f.failedOrchestrations,
      met: f.failedOrchestrations === 0,
    },
    noDuplicates: {
      target: '0 duplicates at the destinations',
      value: d.duplicates + d.duplicateExternalIds,
      met: d.duplicates === 0 && d.duplicateExternalIds === 0,
    },
    noLostChunks: { target: '0 chunks never terminal', value: f.chunks.lost, met: f.chunks.lost === 0 },
    oneCompletionPushPerSync: {
      target: 'exactly one N-05/N-06 per HISTORICAL sync',
      value: `${historical - f.historicalSyncsWithoutExactlyOneNotification}/${historical}`,
      met: historical > 0 && f.historicalSyncsWithoutExactlyOneNotification === 0,
    },
    noUnexpectedExits: {
      target: '0 process exits other than the injected kills',
      value: unexpected.length,
      met: unexpected.length === 0,
    },
    countersMatchChunks: {
      target: 'orchestration counters equal chunk rows',
      value: f.counterMismatches,
      met: f.counterMismatches === 0,
    },
    no5xxOutsideOutage: {
      target: 'no 5xx on status polls outside the database outage (+5 s)',
      value: outside5xx.length,
      met: outside5xx.length === 0,
    },
    outage503WithRetryAfter: {
      target: 'during the outage, 5xx answers are 503 with Retry-After',
      value: `${outage5xx.filter((p) => p.status === 503 && p.retryAfter).length}/${outage5xx.length}`,
      met: outage5xx.every((p) => p.status === 503 && p.retryAfter),
    },
    readyWithin5s: {
      target: '/health/ready within 5 s after PostgreSQL is back',
      value: recovery.apiReadyAfterPgStartMs === null ? 'never' : `${recovery.apiReadyAfterPgStartMs} ms`,
      met: recovery.apiReadyAfterPgStartMs !== null && recovery.apiReadyAfterPgStartMs <= 5000,
    },
    revocationPausesThenResumes: {
      target: 'revocation: REAUTH_REQUIRED + PAUSED(REAUTH_REQUIRED), reauthorize 200',
      value: `paused ${run.revocation.pausedAfterMs !== undefined ? `after ${String(run.revocation.pausedAfterMs)} ms` : 'never'}, reauthorize ${String(run.revocation.reauthorizeStatus ?? '—')}`,
      met: run.revocation.pausedAfterMs !== undefined && run.revocation.reauthorizeStatus === 200,
    },
    oneReconnectPush: {
      target: 'exactly one N-07 per revocation',
      value: f.reconnectPushes[revoked] ?? 0,
      met: (f.reconnectPushes[revoked] ?? 0) === 1,
    },
  };
  printTargets('Targets', checks);
  const file = writeResult('chaos', {
    options: input.options,
    users: input.users,
    wallSeconds: round((Date.now() - input.t0) / 1000, 1),
    checks,
    figures: f,
    destinations: d,
    recovery,
    revocation: run.revocation,
    polls,
    providers,
    processes: {
      injectedKills: run.kills,
      exits: exits.length,
      unexpected,
      startupFailures,
      // when each process died (epoch ms, as the service's log times), to line a log up with kills
      exitTimes: exits.map((e) => ({ name: e.name, pid: e.pid, at: e.at, injected: e.injected })),
    },
    events: run.events,
  });
  const passed = Object.values(checks).every((c) => c.met);
  console.log(`\n  ${passed ? 'every target met' : 'targets missed'}; results: ${file}`);
  return passed;
}

function tally(values: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
