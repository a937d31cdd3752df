/**
 * Chaos run (issue 13): N Pro users, each with a connection (most Fitbit -> Strava, a few Strava ->
 * Fitbit) and a LAST_YEAR historical sync, through 1 API and 2 worker processes (the build,
 * dist/src/main.js, ROLE=api / ROLE=worker) on one PostgreSQL this run owns (embedded, free port,
 * temp dir), against the simulators (time-scaled quotas) with every fault at once: 5xx on every
 * endpoint including the OAuth token endpoints, 429 storms (token endpoints too), latency spikes,
 * access-token expiry and short token lifetimes, SIGKILL of a random worker every few seconds
 * (restarted as a supervisor would), one PostgreSQL restart, one revocation followed by a
 * reauthorize, and a few invalid source records. Then the faults stop and the run settles until
 * every sync has ended (or a timeout). The service is driven only over HTTP, the simulators only
 * over their /_sim control API, and the database is only read. Exits 1 when a target is missed.
 * Options: bench/lib/chaos-options.ts (env CHAOS_* or flags). Takes ~6-9 min with the defaults.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { signToken } from '../src/common/auth/token.js';
import { migrateToLatest } from '../src/database/migrator.js';
import { startSimulators, type RunningSimulators } from '../src/simulators/simulators.js';
import { ChaosDatabase, freePort, sqlRows, Supervisor, tempRoot } from './lib/chaos-cluster.js';
import * as sim from './lib/chaos-faults.js';
import { options, rng, sleep } from './lib/chaos-options.js';
import { report } from './lib/chaos-report.js';
import { clusterEnv, runCluster, waitReady } from './lib/cluster-env.js';
import { databaseFigures, destinationDuplicates } from './lib/chaos-verify.js';
import { ChaosScenario, PG_RESTART_AT, type RunRecord, type Side, type User } from './lib/chaos-scenario.js';
import { apiAs, consent, createConnection, strict, type ApiCall } from './lib/connect.js';

const O = options();
const SECRET = 'chaos-secret-that-is-long-enough-for-hs256-0123456789';
const random = rng(O.seed);

let root = '';
let db: ChaosDatabase | undefined;
let sims: RunningSimulators | undefined;
let sup: Supervisor | undefined;
let running = true;
const t0 = Date.now();
const elapsed = () => Math.round((Date.now() - t0) / 100) / 10;
const log = (message: string) => console.log(`[${elapsed().toFixed(1).padStart(6)} s] ${message}`);

const run: RunRecord = {
  kills: 0,
  lastKillAt: 0,
  faultsOnAt: 0,
  faultsOffAt: 0,
  settledAt: 0,
  pg: { stopAt: 0, startedAt: 0, readyAt: 0, progressAt: 0 },
  revocation: {},
  polls: [],
  events: [],
};
const event = (e: string) => {
  run.events.push({ at: elapsed(), event: e });
  log(e);
};

async function setUpUser(i: number, apiUrl: string, admin: ApiCall): Promise<User> {
  const id = `chaos-${i}`;
  const api = apiAs(apiUrl, signToken(SECRET, { sub: id }));
  await strict(admin)('PUT', `/v1/admin/users/${id}/entitlement`, { tier: 'PRO' });
  await strict(api)('POST', '/v1/devices', { platform: 'android', token: `chaos-device-${i}` });
  const reverse = i >= O.users - O.reverseUsers;
  const side = (provider: 'fitbit' | 'strava', role: string): Side => ({
    provider,
    login: `${id}-${provider}-${role}`,
    simulator: provider === 'fitbit' ? sims!.google.url : sims!.strava.url,
  });
  const source = side(reverse ? 'strava' : 'fitbit', 'src');
  const destination = side(reverse ? 'fitbit' : 'strava', 'dst');
  const sourceSide = await consent(api, source.provider, source.login, {
    seed: `${id}-source`,
    historyDays: 400,
    sessionsPerWeek: O.sessionsPerWeek,
    timezone: 'UTC',
  });
  const destinationSide = await consent(api, destination.provider, destination.login, {
    seed: `${id}-destination`,
    historyDays: 0,
    timezone: 'UTC',
  });
  const connection = await createConnection(api, sourceSide, destinationSide);
  return { id, api, source, destination, connectionId: connection.id };
}

/** POST historical-syncs, retried with the same Idempotency-Key on 5xx / 429 / network errors. */
async function startSync(u: User): Promise<string> {
  const key = randomUUID();
  for (let attempt = 1; ; attempt++) {
    const res = await u
      .api(
        'POST',
        `/v1/connections/${u.connectionId}/historical-syncs`,
        { range: { preset: 'LAST_YEAR' } },
        {
          'idempotency-key': key,
        },
      )
      .catch(() => undefined);
    if (res?.status === 202) return res.body.orchestrationId as string;
    if ((res && res.status < 500 && res.status !== 429) || attempt >= 20)
      throw new Error(`historical sync for ${u.id}: ${res?.status} ${JSON.stringify(res?.body)}`);
    await sleep(1000);
  }
}

/** Orchestrations not ended yet; -1 when the database did not answer. */
const activeSyncs = async () =>
  (
    await sqlRows<{ n: number }>(
      db!.url,
      `SELECT count(*)::int AS n FROM orchestrations WHERE status IN ('PENDING', 'IN_PROGRESS', 'PAUSED')`,
    ).catch(() => [{ n: -1 }])
  )[0].n;

/** A read that may meet a busy machine: three tries. */
async function retry<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= 3) throw error;
      await sleep(2000);
    }
  }
}

async function progress() {
  const rows = await sqlRows<{ status: string; n: number }>(
    db!.url,
    `SELECT status, count(*)::int AS n FROM chunks GROUP BY 1 ORDER BY 1`,
  ).catch(() => []);
  const active = await activeSyncs();
  const exits = sup!.exits.filter((e) => !e.injected).length;
  log(
    `chunks ${rows.map((r) => `${r.status} ${r.n}`).join(', ') || '(database unreachable)'}; active syncs ${active}; kills ${run.kills}; unexpected exits ${exits}`,
  );
  return active;
}

async function main() {
  if (!existsSync(resolve(import.meta.dirname, '../dist/src/main.js')))
    throw new Error('dist/ is missing: run `npm run build` first (npm run bench:chaos does)');
  root = tempRoot();
  console.log(
    `chaos run: ${O.users} users (${O.reverseUsers} Strava -> Fitbit), faults ${O.faultSeconds} s, settle <= ${O.settleSeconds} s, time scale ${O.timeScale}, seed ${O.seed}`,
  );
  db = await ChaosDatabase.create(root);
  await migrateToLatest(db.url);
  sims = await startSimulators({
    googlePort: await freePort(),
    stravaPort: await freePort(),
    settings: { timeScale: O.timeScale, uploadProcessingMs: Math.round(1500 * O.timeScale) },
  });
  const env: Record<string, string> = {
    ...clusterEnv(db.url, SECRET, root, sims, O.timeScale),
    ...O.serviceEnv,
  };
  sup = new Supervisor(
    O.logDir ?? join(root, 'logs'),
    () => db!.down,
    () => O.restartDelayMs * (0.7 + 0.6 * random()),
  );
  const apiUrl = await sup.add('api', 'api', { ...env, ROLE: 'api' });
  for (let w = 1; w <= 2; w++) await sup.add(`worker-${w}`, 'worker', { ...env, ROLE: 'worker' });
  await waitReady(apiUrl);
  log(
    `service up: api ${apiUrl}, 2 workers; PostgreSQL on port ${db.port}; logs in ${O.logDir ?? join(root, 'logs')}`,
  );

  const admin = apiAs(apiUrl, signToken(SECRET, { sub: 'chaos-admin', roles: ['admin'] }));
  const users: User[] = [];
  for (let i = 0; i < O.users; i += 4) {
    const batch = Array.from({ length: Math.min(4, O.users - i) }, (_, k) => setUpUser(i + k, apiUrl, admin));
    users.push(...(await Promise.all(batch)));
  }
  // one in a Strava source (if any), the others in Fitbit sources; none for the user whose grant is revoked
  const targets = [...(O.reverseUsers > 0 ? [users.at(-1)!] : []), ...users.slice(1)];
  for (let n = 0; n < O.invalidRecords; n++) {
    const u = targets[n % targets.length];
    await sim.plantInvalidRecord(u.source.simulator, u.source.provider, u.source.login, n);
  }
  log(`${users.length} users connected; ${O.invalidRecords} invalid source records planted`);

  const level = { errorRate: O.errorRate, spikeRate: 0.03, spikeMs: 1500 };
  for (const s of [sims.google.url, sims.strava.url]) {
    await sim.resetRequestCounts(s);
    await sim.faultsOn(s, level, O.tokenLifetimeSeconds);
  }
  run.faultsOnAt = Date.now();
  event(
    `faults on: ${O.errorRate * 100} % 5xx everywhere, 3 % latency spikes, token lifetime ${O.tokenLifetimeSeconds} s`,
  );
  for (const u of users) u.syncId = await startSync(u);
  event(`${users.length} LAST_YEAR syncs started`);

  const until = run.faultsOnAt + O.faultSeconds * 1000;
  const at = (share: number, task: () => Promise<unknown>) =>
    sleep(Math.max(0, run.faultsOnAt + share * O.faultSeconds * 1000 - Date.now())).then(() =>
      running ? task() : undefined,
    );
  const chaos = new ChaosScenario(O, run, db, sup, random, event, elapsed, () => running);
  const poller = chaos.pollStatuses(users);
  const ticker = (async () => {
    while (running && Date.now() < until) {
      await sleep(10_000);
      await progress();
    }
  })();
  await Promise.all([
    chaos.killWorkers(until),
    chaos.expireTokens(users, until),
    at(0.15, () => chaos.storm('Strava', sims!.strava.url, level)),
    at(0.2, () => chaos.revokeAndReauthorize(users[0])),
    at(PG_RESTART_AT, () => chaos.restartDatabase(apiUrl)),
    at(0.55, () => chaos.storm('Google', sims!.google.url, level)),
    sleep(until - Date.now()),
  ]);
  const duringFaults = {
    google: await sim.requestCounts(sims.google.url),
    strava: await sim.requestCounts(sims.strava.url),
  };
  for (const s of [sims.google.url, sims.strava.url]) await sim.faultsOff(s, 3600);
  run.faultsOffAt = Date.now();
  event(`faults off after ${run.kills} worker kills; settling (at most ${O.settleSeconds} s)`);
  await ticker;

  const settleUntil = Date.now() + O.settleSeconds * 1000;
  let lastTick = 0;
  while (Date.now() < settleUntil) {
    const quiet = Date.now() - lastTick < 10_000;
    const active = quiet ? await activeSyncs() : await progress();
    if (!quiet) lastTick = Date.now();
    if (active === 0) {
      run.settledAt = Date.now();
      break;
    }
    await sleep(1000);
  }
  event(run.settledAt ? 'every sync has ended' : 'settle timeout: some syncs never ended');
  running = false;
  await Promise.all([poller, chaos.recoveryWatch]);

  const figures = await retry(() => databaseFigures(db!.url));
  const destinations = await destinationDuplicates(users.map((u) => u.destination));
  const requests = {
    google: await sim.requestCounts(sims.google.url),
    strava: await sim.requestCounts(sims.strava.url),
  };
  return report({
    options: O,
    duringFaults,
    run,
    figures,
    destinations,
    requests,
    exits: sup.exits,
    users: users.length,
    t0,
  });
}

await runCluster(
  'chaos',
  () => ({ root, keep: O.keep, sup, sims, db }),
  main,
  () => (running = false),
);
