/**
 * Fairness run (issue 15, item 4): 1,000 users share Strava's per-application quota, time-scaled,
 * through 1 API and 2 worker processes (the build, dist/src/main.js) on a PostgreSQL this run owns
 * (embedded, temp dir), against the simulators started in this process. Every connection is
 * Fitbit -> Strava, so Strava's 15-min budget is the one shared, binding budget.
 * - 700 users only connect (their automatic INITIAL_7_DAY sync), at a steady rate from the start until
 *   ~70 % of the expected run;
 * - 50 ALL_TIME (5 years) then 250 LAST_YEAR historical syncs are created right at the start, each
 *   just after its user connects (so those 300 users have a 7-day sync too: counted in INITIAL_7_DAY,
 *   and shown apart); the last BENCH_ESTIMATE_SYNCS LAST_YEAR users ask the estimate route first.
 * Accounts are planted sparse through /_sim (BENCH_RECORDS_PER_MONTH manual activities a month, one
 * two days ago). The service is driven only over HTTP (status polls in a bounded round-robin, and a
 * poll of each HISTORICAL sync as it reaches 10 / 50 / 90 % progress: the ETA checkpoints, as the
 * app polling every 10 s would see them; the crossing is read from the orchestration rows every
 * 100 ms), Strava's requests are counted per window in the simulator, and the database is read
 * (progress, chunk finish times; never written).
 * Prints per-class completion, Jain's index, idle syncs, ETA error, quota utilisation and 429s; writes
 * bench/results/fairness.json; exits 1 when an issue 15 target is missed. ~9 min with the defaults.
 *
 * Environment (defaults): BENCH_USERS=1 (scale on 700/250/50), BENCH_TIME_SCALE=0.0125 (W = 11.25 s),
 * STRAVA_LIMIT_15MIN=350, STRAVA_LIMIT_DAILY / STRAVA_READ_LIMIT_15MIN / STRAVA_READ_LIMIT_DAILY (default:
 * not binding), BENCH_FAIRNESS_PERIOD_WINDOWS=4, BENCH_RECORDS_PER_MONTH=1, BENCH_POLL_RPS=30,
 * BENCH_ESTIMATE_SYNCS=5, BENCH_ARRIVAL_SECONDS (0 = 70 % of the expected run), BENCH_WORKERS=2,
 * BENCH_TIMEOUT_SECONDS=1500, BENCH_LOG_DIR, BENCH_KEEP=1 (keep the temp dir), BENCH_ETA_DUMP=FILE
 * (write every HISTORICAL sync's ETA checkpoints and chunk finish times there, for analysis).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { signToken } from '../src/common/auth/token.js';
import { migrateToLatest } from '../src/database/migrator.js';
import { startSimulators, type RunningSimulators } from '../src/simulators/simulators.js';
import { ChaosDatabase, freePort, sqlRows, Supervisor, tempRoot } from './lib/chaos-cluster.js';
import { requestCounts } from './lib/chaos-faults.js';
import { sleep } from './lib/chaos-options.js';
import { clusterEnv, runCluster, waitReady } from './lib/cluster-env.js';
import { apiAs } from './lib/connect.js';
import { computeMetrics } from './lib/fairness-metrics.js';
import { CheckpointWatcher, countStravaWindows, StatusPoller } from './lib/fairness-observe.js';
import { expectedStravaRequests, fairnessOptions } from './lib/fairness-options.js';
import * as people from './lib/fairness-population.js';
import { reportFairness } from './lib/fairness-report.js';

const O = fairnessOptions();
const SECRET = 'fairness-secret-that-is-long-enough-for-hs256-0123456789';
const t0 = Date.now();
const log = (m: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${m}`);

let root = '';
let db: ChaosDatabase | undefined;
let sims: RunningSimulators | undefined;
let sup: Supervisor | undefined;
let running = true;

/** A set-up call that may meet a busy API: three tries. */
async function retry<T>(what: string, task: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (attempt >= 3) throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      await sleep(1000 * attempt);
    }
  }
}

async function main() {
  if (!existsSync(resolve(import.meta.dirname, '../dist/src/main.js')))
    throw new Error('dist/ is missing: run `npm run build` first (npm run bench:fairness does)');
  const W = O.windowMs;
  const L = O.limits.overall[0];
  const expected = expectedStravaRequests(O);
  const expectedRunMs = (expected / L) * W;
  const arrivalMs = O.arrivalSeconds > 0 ? O.arrivalSeconds * 1000 : 0.7 * expectedRunMs;
  console.log(
    `fairness run: ${O.initial} new users (7-day), ${O.lastYear} LAST_YEAR, ${O.allTime} ALL_TIME; W = ${W / 1000} s ` +
      `(time scale ${O.timeScale}); Strava ${L} / 15 min (daily ${O.limits.overall[1]}, reads ${O.limits.read.join(' / ')}); ` +
      `≥ ${expected} Strava requests expected ≈ ${(expectedRunMs / W).toFixed(1)} W = ${(expectedRunMs / 1000).toFixed(0)} s; ` +
      `arrivals over ${(arrivalMs / 1000).toFixed(0)} s; ${O.workers} workers`,
  );
  root = tempRoot();
  db = await ChaosDatabase.create(root);
  await migrateToLatest(db.url);
  sims = await startSimulators({
    googlePort: await freePort(),
    stravaPort: await freePort(),
    settings: {
      timeScale: O.timeScale,
      stravaLimits: O.limits,
    },
  });
  const windows = countStravaWindows(sims.strava, W);
  const env = {
    ...clusterEnv(db.url, SECRET, root, sims, O.timeScale),
    RATE_LIMIT_ENABLED: 'false', // one load generator's address for 1,000 users
    MAX_DEVICES_PER_USER: '1000',
    STRAVA_LIMIT_15MIN: String(L),
    STRAVA_LIMIT_DAILY: String(O.limits.overall[1]),
    STRAVA_READ_LIMIT_15MIN: String(O.limits.read[0]),
    STRAVA_READ_LIMIT_DAILY: String(O.limits.read[1]),
  };
  const logDir = O.logDir ?? join(root, 'logs');
  sup = new Supervisor(
    logDir,
    () => false,
    () => 1000,
  );
  const apiUrl = await sup.add('api', 'api', { ...env, ROLE: 'api' });
  for (let w = 1; w <= O.workers; w++) await sup.add(`worker-${w}`, 'worker', { ...env, ROLE: 'worker' });
  await waitReady(apiUrl);
  log(`service up: api ${apiUrl}, ${O.workers} workers; logs in ${logDir}`);

  const admin = apiAs(apiUrl, signToken(SECRET, { sub: 'fair-admin', roles: ['admin'] }));
  const make = (cls: people.SyncClass, n: number) =>
    Array.from({ length: n }, (_, i) => people.makeUser(apiUrl, SECRET, cls, i));
  const backfill = [...make('ALL_TIME', O.allTime), ...make('LAST_YEAR', O.lastYear)];
  const newcomers = make('INITIAL_7_DAY', O.initial);
  const simUrls = { google: sims.google.url, strava: sims.strava.url };
  let planted = 0;
  await people.pool([...backfill, ...newcomers], 8, async (u) => {
    const months = u.cls === 'ALL_TIME' ? 60 : u.cls === 'LAST_YEAR' ? 12 : 0;
    const n = await people.plantAccounts(u, months, O.recordsPerMonth, simUrls);
    planted += n;
  });
  log(`${backfill.length + newcomers.length} users' accounts planted (${planted} source activities)`);

  // start at the beginning of a Strava window, so the first one is nearly whole
  await sleep(Math.ceil(Date.now() / W) * W - Date.now() + 20);
  const runStart = Date.now();
  const syncs: people.Tracked[] = [];
  const poller = new StatusPoller(syncs, O.pollRps);
  const polling = poller.run(() => running);
  const watching = new CheckpointWatcher(db.url, syncs, poller).run(() => running);
  let connected = 0;
  const errors: string[] = [];
  const connect = (u: people.User) =>
    retry(`connect ${u.id}`, () => people.connectUser(u, admin)).then((s) => {
      syncs.push(s);
      connected++;
    });

  const historical = people.pool(backfill, 12, async (u) => {
    await connect(u);
    const ask = u.cls === 'LAST_YEAR' && backfill.indexOf(u) >= backfill.length - O.estimateSyncs;
    syncs.push(await retry(`historical sync of ${u.id}`, () => people.startHistorical(u, ask)));
  });
  const arrivals = Promise.all(
    newcomers.map((u, i) =>
      sleep((i * arrivalMs) / newcomers.length).then(() =>
        connect(u).catch((e: Error) => void errors.push(e.message)),
      ),
    ),
  );
  let created = false;
  historical.then(
    () => {
      created = true;
      log(`${backfill.length} historical syncs created`);
    },
    () => (created = true), // thrown again below
  );

  const deadline = runStart + O.timeoutSeconds * 1000;
  let arrived = false;
  void arrivals.then(() => (arrived = true));
  let lastTick = 0;
  while (Date.now() < deadline) {
    await sleep(500);
    const active = poller.active().length;
    if (Date.now() - lastTick >= 10_000) {
      lastTick = Date.now();
      const last = windows.get(Math.floor(Date.now() / W) - 1)?.requests ?? 0;
      const chunks = await sqlRows<{ status: string; n: number }>(
        db.url,
        `SELECT status, count(*)::int AS n FROM chunks GROUP BY 1 ORDER BY 1`,
      );
      const ended = (cls: string) => syncs.filter((s) => s.cls === cls && s.endedAt !== undefined).length;
      log(
        `window ${Math.floor((Date.now() - runStart) / W)}: last window ${last} Strava requests (${Math.round((100 * last) / L)} %); ` +
          `connected ${connected}/${backfill.length + newcomers.length}; ended 7-day ${ended('INITIAL_7_DAY')}, ` +
          `LAST_YEAR ${ended('LAST_YEAR')}/${O.lastYear}, ALL_TIME ${ended('ALL_TIME')}/${O.allTime}; active ${active}; ` +
          `chunks ${chunks.map((r) => `${r.status} ${r.n}`).join(', ')}; polls ${poller.polls}`,
      );
    }
    if (arrived && created && active === 0) break;
  }
  const runEnd = Date.now();
  running = false;
  await polling;
  await watching;
  await historical;
  if (errors.length) log(`${errors.length} connections failed, e.g. ${errors[0]}`);

  // the database's record of every sync's end and every chunk's finish (read only)
  const ends = await sqlRows<{ id: string; status: string; t: number | null }>(
    db.url,
    `SELECT id, status, (extract(epoch FROM completed_at) * 1000)::float8 AS t FROM orchestrations`,
  );
  const byId = new Map(ends.map((e) => [e.id, e]));
  for (const s of syncs) if (s.endedAt === undefined && byId.get(s.id)?.t) s.endedAt = byId.get(s.id)!.t!;
  const finishes = await sqlRows<{ id: string; t: number }>(
    db.url,
    `SELECT orchestration_id AS id, (extract(epoch FROM finished_at) * 1000)::float8 AS t FROM chunks WHERE status IN ('COMPLETED', 'FAILED')`,
  );
  const chunkFinishes = new Map<string, number[]>();
  for (const f of finishes) chunkFinishes.set(f.id, [...(chunkFinishes.get(f.id) ?? []), f.t]);
  const failed = await sqlRows<{ n: number }>(
    db.url,
    `SELECT count(*)::int AS n FROM chunks WHERE status = 'FAILED'`,
  );
  const count429 = (stats: Record<string, Record<string, number>>) =>
    Object.values(stats).reduce((sum, byStatus) => sum + (byStatus['429'] ?? 0), 0);
  const metrics = computeMetrics({
    windowMs: W,
    limit: L,
    periodWindows: O.periodWindows,
    syncs,
    chunkFinishes,
    windows,
    runStart,
    runEnd,
  });
  if (process.env.BENCH_ETA_DUMP) {
    const dump = syncs
      .filter((x) => x.cls !== 'INITIAL_7_DAY')
      .map((x) => ({
        cls: x.cls,
        arrivedAt: x.arrivedAt - runStart,
        endedAt: (x.endedAt ?? 0) - runStart,
        checkpoints: Object.fromEntries(
          Object.entries(x.checkpoints).map(([k, c]) => [k, { ...c, at: c.at - runStart }]),
        ),
        roundRobin: Object.fromEntries(
          Object.entries(x.roundRobin).map(([k, c]) => [k, { ...c, at: c.at - runStart }]),
        ),
        finishes: (chunkFinishes.get(x.id) ?? []).map((t) => t - runStart).sort((a, b) => a - b),
      }));
    writeFileSync(process.env.BENCH_ETA_DUMP, JSON.stringify({ runStart, W, dump }));
  }
  const statuses: Record<string, number> = {};
  for (const s of syncs)
    statuses[byId.get(s.id)?.status ?? 'UNKNOWN'] = (statuses[byId.get(s.id)?.status ?? 'UNKNOWN'] ?? 0) + 1;
  return reportFairness(O, metrics, {
    wallSeconds: (Date.now() - t0) / 1000,
    runSeconds: (Math.max(...syncs.map((s) => s.endedAt ?? runEnd)) - runStart) / 1000,
    stravaRequests: [...windows.values()].reduce((a, w) => a + w.requests, 0),
    strava429: count429(await requestCounts(sims.strava.url)),
    google429: count429(await requestCounts(sims.google.url)),
    polls: poller.polls,
    pollErrors: poller.errors,
    failedChunks: failed[0].n,
    syncStatuses: statuses,
  });
}

await runCluster(
  'fairness',
  () => ({ root, keep: O.keep, sup, sims, db }),
  main,
  () => (running = false),
);
