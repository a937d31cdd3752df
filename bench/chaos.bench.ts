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
import { ChaosDatabase, freePort, removeDir, sqlRows, Supervisor, tempRoot } from './lib/chaos-cluster.js';
import * as sim from './lib/chaos-faults.js';
import { options, rng, sleep } from './lib/chaos-options.js';
import { report } from './lib/chaos-report.js';
import { databaseFigures, destinationDuplicates } from './lib/chaos-verify.js';
import { apiAs, consent, createConnection, strict, type ApiCall } from './lib/connect.js';

const O = options();
const SECRET = 'chaos-secret-that-is-long-enough-for-hs256-0123456789';
const random = rng(O.seed);
/** When the PostgreSQL restart comes, as a share of the fault phase. */
const PG_RESTART_AT = 0.35;
const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];

interface Side {
  provider: 'fitbit' | 'strava';
  login: string;
  simulator: string;
}
interface User {
  id: string;
  api: ApiCall;
  source: Side;
  destination: Side;
  connectionId: string;
  syncId?: string;
}

let root = '';
let db: ChaosDatabase | undefined;
let sims: RunningSimulators | undefined;
let sup: Supervisor | undefined;
let running = true;
const t0 = Date.now();
const elapsed = () => Math.round((Date.now() - t0) / 100) / 10;
const log = (message: string) => console.log(`[${elapsed().toFixed(1).padStart(6)} s] ${message}`);

/** What happened during the run, for the report. */
const run = {
  kills: 0,
  lastKillAt: 0,
  faultsOnAt: 0,
  faultsOffAt: 0,
  settledAt: 0,
  pg: { stopAt: 0, startedAt: 0, readyAt: 0, progressAt: 0 },
  revocation: {} as Record<string, unknown>,
  polls: [] as Array<{ at: number; status: number; retryAfter: boolean }>,
  events: [] as Array<{ at: number; event: string }>,
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

/** Status polls as the app makes them, round-robin over the syncs, recording every answer. */
async function pollStatuses(users: User[]) {
  while (running) {
    const u = pick(users);
    const at = Date.now();
    const res = await u.api('GET', `/v1/orchestrations/${u.syncId}/status`).catch(() => undefined);
    run.polls.push({ at, status: res?.status ?? 0, retryAfter: !!res?.headers.get('retry-after') });
    await sleep(O.pollIntervalMs);
  }
}

async function killWorkers(until: number) {
  while (Date.now() < until && running) {
    await sleep(O.killIntervalMs * (0.7 + 0.6 * random()));
    // no kill while the database is down, nor just before it goes (a worker restarting then would fail its start-up)
    const pgStop = run.faultsOnAt + PG_RESTART_AT * O.faultSeconds * 1000;
    if (Date.now() >= until || db!.down || (Date.now() > pgStop - 10_000 && !run.pg.startedAt)) continue;
    const up = sup!.names('worker').filter((n) => sup!.isUp(n));
    if (up.length === 0) continue;
    if (sup!.kill(pick(up))) {
      run.kills++;
      run.lastKillAt = Date.now();
    }
  }
}

async function expireTokens(users: User[], until: number) {
  while (Date.now() < until && running) {
    await sleep(O.expireIntervalMs);
    for (let i = 0; i < Math.min(5, users.length); i++) {
      const u = pick(users);
      await sim.expireTokens(u.source.simulator, u.source.login).catch(() => undefined);
      await sim.expireTokens(u.destination.simulator, u.destination.login).catch(() => undefined);
    }
  }
}

/** A 429 storm: every API and token request of one provider answers 429 (Retry-After 2 s) for a while. */
async function storm(provider: string, base: string, level: sim.FaultLevel) {
  event(`429 storm at ${provider} (API and token endpoint) for ${O.stormSeconds} s`);
  await sim.setFaults(base, level, 2);
  await sleep(O.stormSeconds * 1000);
  await sim.setFaults(base, level);
}

let recoveryWatch: Promise<void> = Promise.resolve();

async function restartDatabase(apiUrl: string) {
  event('PostgreSQL: stop');
  run.pg.stopAt = Date.now();
  await db!.stop();
  await sleep(O.pgDownMs);
  await db!.start();
  run.pg.startedAt = Date.now();
  event('PostgreSQL: started again');
  recoveryWatch = watchRecovery(apiUrl);
}

/** After the restart: when /health/ready answers 200 again, and when a chunk completes again. */
async function watchRecovery(apiUrl: string) {
  const since = new Date(run.pg.startedAt).toISOString();
  while (running && (!run.pg.readyAt || !run.pg.progressAt)) {
    if (!run.pg.readyAt) {
      const ok = await fetch(`${apiUrl}/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) {
        run.pg.readyAt = Date.now();
        event(`API ready ${run.pg.readyAt - run.pg.startedAt} ms after PostgreSQL started`);
      }
    }
    if (!run.pg.progressAt) {
      const rows = await sqlRows<{ n: number }>(
        db!.url,
        `SELECT count(*)::int AS n FROM chunks WHERE status = 'COMPLETED' AND coalesce(finished_at, updated_at) > $1`,
        [since],
      ).catch(() => [{ n: 0 }]);
      if (rows[0].n > 0) {
        run.pg.progressAt = Date.now();
        event(`a chunk completed ${run.pg.progressAt - run.pg.startedAt} ms after PostgreSQL started`);
      }
    }
    await sleep(200);
  }
}

/** Revokes the user's source grant at the provider, watches the connection and sync, then reauthorizes. */
async function revokeAndReauthorize(u: User) {
  const r = run.revocation;
  Object.assign(r, { user: u.id, provider: u.source.provider, revokedAt: elapsed() });
  event(`revoke ${u.source.provider} grant of ${u.id}`);
  await sim.revoke(u.source.simulator, u.source.login);
  const deadline = Date.now() + O.reauthorizeAfterMs;
  while (Date.now() < deadline && running) {
    const connection = await u.api('GET', `/v1/connections/${u.connectionId}`).catch(() => undefined);
    const sync = await u.api('GET', `/v1/orchestrations/${u.syncId}`).catch(() => undefined);
    Object.assign(r, {
      connectionStatus: connection?.body?.status,
      syncStatus: sync?.body?.status,
      pauseReason: sync?.body?.pauseReason ?? null,
    });
    if (
      !r.pausedAfterMs &&
      r.connectionStatus === 'REAUTH_REQUIRED' &&
      r.syncStatus === 'PAUSED' &&
      r.pauseReason === 'REAUTH_REQUIRED'
    )
      r.pausedAfterMs = Math.round((elapsed() - (r.revokedAt as number)) * 1000);
    await sleep(1000);
  }
  // as a user would: consent again (the consent page may itself answer 5xx/429 now), send the code
  for (let attempt = 1; attempt <= 10 && running; attempt++) {
    try {
      const side = await consent(u.api, u.source.provider, u.source.login);
      const res = await u.api('POST', `/v1/connections/${u.connectionId}/reauthorize`, side);
      Object.assign(r, { reauthorizeStatus: res.status, reauthorizeAttempts: attempt });
      if (res.status !== 200) r.reauthorizeAnswer = res.body;
      if (res.status < 500) break;
    } catch (error) {
      Object.assign(r, {
        reauthorizeStatus: 0,
        reauthorizeAttempts: attempt,
        reauthorizeError: String(error),
      });
    }
    await sleep(2000);
  }
  event(
    `reauthorize ${u.id}: HTTP ${r.reauthorizeStatus} (connection was ${r.connectionStatus}, sync ${r.syncStatus})`,
  );
}

async function progress() {
  const rows = await sqlRows<{ status: string; n: number }>(
    db!.url,
    `SELECT status, count(*)::int AS n FROM chunks GROUP BY 1 ORDER BY 1`,
  ).catch(() => []);
  const active = await sqlRows<{ n: number }>(
    db!.url,
    `SELECT count(*)::int AS n FROM orchestrations WHERE status IN ('PENDING', 'IN_PROGRESS', 'PAUSED')`,
  ).catch(() => [{ n: -1 }]);
  const exits = sup!.exits.filter((e) => !e.injected).length;
  log(
    `chunks ${rows.map((r) => `${r.status} ${r.n}`).join(', ') || '(database unreachable)'}; active syncs ${active[0].n}; kills ${run.kills}; unexpected exits ${exits}`,
  );
  return active[0].n;
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
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    JWT_SECRET: SECRET,
    TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    DATA_DIR: join(root, 'data'),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    GOOGLE_SIM_PORT: new URL(sims.google.url).port,
    STRAVA_SIM_PORT: new URL(sims.strava.url).port,
    SIM_TIME_SCALE: String(O.timeScale),
    PROVIDER_TIME_SCALE: String(O.timeScale),
    STRAVA_UPLOAD_FIRST_POLL_MS: String(Math.max(10, Math.round(2000 * O.timeScale))),
    STRAVA_UPLOAD_POLL_MS: String(Math.max(10, Math.round(1000 * O.timeScale))),
    ...O.serviceEnv,
  };
  sup = new Supervisor(
    O.logDir ?? join(root, 'logs'),
    () => db!.down,
    () => O.restartDelayMs * (0.7 + 0.6 * random()),
  );
  const apiUrl = await sup.add('api', 'api', { ...env, ROLE: 'api' });
  for (let w = 1; w <= 2; w++) await sup.add(`worker-${w}`, 'worker', { ...env, ROLE: 'worker' });
  for (
    let i = 0;
    !(await fetch(`${apiUrl}/health/ready`).then(
      (r) => r.ok,
      () => false,
    ));
    i++
  ) {
    if (i > 600) throw new Error('the API process did not become ready');
    await sleep(100);
  }
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
  const poller = pollStatuses(users);
  const ticker = (async () => {
    while (running && Date.now() < until) {
      await sleep(10_000);
      await progress();
    }
  })();
  await Promise.all([
    killWorkers(until),
    expireTokens(users, until),
    at(0.15, () => storm('Strava', sims!.strava.url, level)),
    at(0.2, () => revokeAndReauthorize(users[0])),
    at(PG_RESTART_AT, () => restartDatabase(apiUrl)),
    at(0.55, () => storm('Google', sims!.google.url, level)),
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
    const active = quiet
      ? (
          await sqlRows<{ n: number }>(
            db.url,
            `SELECT count(*)::int AS n FROM orchestrations WHERE status IN ('PENDING', 'IN_PROGRESS', 'PAUSED')`,
          )
        )[0].n
      : await progress();
    if (!quiet) lastTick = Date.now();
    if (active === 0) {
      run.settledAt = Date.now();
      break;
    }
    await sleep(1000);
  }
  event(run.settledAt ? 'every sync has ended' : 'settle timeout: some syncs never ended');
  running = false;
  await Promise.all([poller, recoveryWatch]);

  const figures = await databaseFigures(db.url);
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

let cleaning: Promise<void> | undefined;
function cleanup(fast: boolean): Promise<void> {
  running = false;
  cleaning ??= (async () => {
    await sup?.stopAll(fast ? 0 : 10_000).catch(() => undefined);
    await sims?.close().catch(() => undefined);
    await db?.stop().catch(() => undefined);
    if (root && !O.keep) removeDir(root);
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    console.error(`\n${signal}: stopping every child process and removing ${root}`);
    void cleanup(true).finally(() => process.exit(130));
  });

let code = 2;
try {
  code = (await main()) ? 0 : 1;
} catch (error) {
  console.error(
    `chaos run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
} finally {
  await cleanup(false);
}
process.exit(code);
