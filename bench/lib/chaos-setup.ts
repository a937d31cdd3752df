/**
 * What every bench:chaos scenario does the same way: its own cluster (a fresh PostgreSQL, simulators,
 * 1 API and N worker processes under the Supervisor), users connected through the consent flow, and
 * LAST_YEAR syncs started over HTTP.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { signToken } from '../../src/common/auth/token.js';
import { migrateToLatest } from '../../src/database/migrator.js';
import { startSimulators, type RunningSimulators } from '../../src/simulators/simulators.js';
import { ChaosDatabase, freePort, removeDir, sqlRows, Supervisor, tempRoot } from './chaos-cluster.js';
import { sleep, type ChaosOptions } from './chaos-options.js';
import type { Side, User } from './chaos-scenario.js';
import { clusterEnv, waitReady } from './cluster-env.js';
import { apiAs, consent, createConnection, strict, type ApiCall } from './connect.js';

export const SECRET = 'chaos-secret-that-is-long-enough-for-hs256-0123456789';

export interface Cluster {
  root: string;
  db: ChaosDatabase;
  sims: RunningSimulators;
  sup: Supervisor;
  apiUrl: string;
  admin: ApiCall;
  logDir: string;
}

/** A scenario's timeline: seconds since its start, and a log line prefixed with them. */
export function clock(t0 = Date.now()) {
  const elapsed = () => Math.round((Date.now() - t0) / 100) / 10;
  const log = (message: string) => console.log(`[${elapsed().toFixed(1).padStart(6)} s] ${message}`);
  return { t0, elapsed, log };
}

/**
 * Starts a fresh cluster: the run's own PostgreSQL (migrated), the simulators (time-scaled), and 1
 * API + `workers` worker processes from the build; `onPart` learns each part as soon as it exists
 * (so that an interrupted start is still cleaned up).
 */
export async function startCluster(
  o: ChaosOptions,
  name: string,
  workers: number,
  random: () => number,
  onPart: (part: Partial<Cluster>) => void,
): Promise<Cluster> {
  if (!existsSync(resolve(import.meta.dirname, '../../dist/src/main.js')))
    throw new Error('dist/ is missing: run `npm run build` first (npm run bench:chaos does)');
  const root = tempRoot();
  onPart({ root });
  const db = await ChaosDatabase.create(root);
  onPart({ db });
  await migrateToLatest(db.url);
  const sims = await startSimulators({
    googlePort: await freePort(),
    stravaPort: await freePort(),
    settings: { timeScale: o.timeScale },
  });
  onPart({ sims });
  const env: Record<string, string> = {
    ...clusterEnv(db.url, SECRET, root, sims, o.timeScale),
    ...o.serviceEnv,
  };
  const logDir = o.logDir ? (o.scenarios.length > 1 ? join(o.logDir, name) : o.logDir) : join(root, 'logs');
  const sup = new Supervisor(
    logDir,
    () => db.down,
    () => o.restartDelayMs * (0.7 + 0.6 * random()),
  );
  onPart({ sup });
  const apiUrl = await sup.add('api', 'api', { ...env, ROLE: 'api' });
  for (let w = 1; w <= workers; w++) await sup.add(`worker-${w}`, 'worker', { ...env, ROLE: 'worker' });
  await waitReady(apiUrl);
  const admin = apiAs(apiUrl, signToken(SECRET, { sub: 'chaos-admin', roles: ['admin'] }));
  return { root, db, sims, sup, apiUrl, admin, logDir };
}

/** Stops every process, the simulators and the database; removes the temp dir unless kept. */
export async function stopCluster(c: Partial<Cluster>, keep: boolean): Promise<void> {
  await c.sup?.stopAll(10_000).catch(() => undefined);
  await c.sims?.close().catch(() => undefined);
  await c.db?.stop().catch(() => undefined);
  if (c.root && !keep) removeDir(c.root);
}

/**
 * User `i` of `users` (the last `reverseUsers` of them Strava -> Fitbit): Pro, one Android device, a
 * source account with 400 days of history, an empty destination, and a connection between them.
 */
export async function setUpUser(
  c: Cluster,
  i: number,
  plan: { users: number; reverseUsers: number; sessionsPerWeek: [number, number] },
): Promise<User> {
  const id = `chaos-${i}`;
  const api = apiAs(c.apiUrl, signToken(SECRET, { sub: id }));
  await strict(c.admin)('PUT', `/v1/admin/users/${id}/entitlement`, { tier: 'PRO' });
  await strict(api)('POST', '/v1/devices', { platform: 'android', token: `chaos-device-${i}` });
  const reverse = i >= plan.users - plan.reverseUsers;
  const side = (provider: 'fitbit' | 'strava', role: string): Side => ({
    provider,
    login: `${id}-${provider}-${role}`,
    simulator: provider === 'fitbit' ? c.sims.google.url : c.sims.strava.url,
  });
  const source = side(reverse ? 'strava' : 'fitbit', 'src');
  const destination = side(reverse ? 'fitbit' : 'strava', 'dst');
  const sourceSide = await consent(api, source.provider, source.login, {
    seed: `${id}-source`,
    historyDays: 400,
    sessionsPerWeek: plan.sessionsPerWeek,
    timezone: 'UTC',
  });
  const destinationSide = await consent(api, destination.provider, destination.login, {
    seed: `${id}-destination`,
    historyDays: 0,
    timezone: 'UTC',
  });
  const connection = await createConnection(api, sourceSide, destinationSide);
  return {
    id,
    api,
    source,
    destination,
    connectionId: connection.id,
    initialSyncId: connection.initialSync?.orchestrationId,
  };
}

/** Every user, four at a time. */
export async function setUpUsers(
  c: Cluster,
  plan: { users: number; reverseUsers: number; sessionsPerWeek: [number, number] },
): Promise<User[]> {
  const users: User[] = [];
  for (let i = 0; i < plan.users; i += 4) {
    const batch = Array.from({ length: Math.min(4, plan.users - i) }, (_, k) => setUpUser(c, i + k, plan));
    users.push(...(await Promise.all(batch)));
  }
  return users;
}

/** POST historical-syncs, retried with the same Idempotency-Key on 5xx / 429 / network errors. */
export async function startSync(u: User): Promise<string> {
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
export const activeSyncs = async (dbUrl: string) =>
  (
    await sqlRows<{ n: number }>(
      dbUrl,
      `SELECT count(*)::int AS n FROM orchestrations WHERE status IN ('PENDING', 'IN_PROGRESS', 'PAUSED')`,
    ).catch(() => [{ n: -1 }])
  )[0].n;

/** A read that may meet a busy machine: three tries. */
export async function retry<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= 3) throw error;
      await sleep(2000);
    }
  }
}

/** One line of progress: chunks by status, active syncs, and what `extra` adds. */
export async function progress(dbUrl: string, log: (m: string) => void, extra = '') {
  const rows = await sqlRows<{ status: string; n: number }>(
    dbUrl,
    `SELECT status, count(*)::int AS n FROM chunks GROUP BY 1 ORDER BY 1`,
  ).catch(() => []);
  const active = await activeSyncs(dbUrl);
  log(
    `chunks ${rows.map((r) => `${r.status} ${r.n}`).join(', ') || '(database unreachable)'}; active syncs ${active}${extra}`,
  );
  return active;
}

/** Waits until no orchestration is active (true), or until `deadline` (false); progress every 10 s. */
export async function waitSettled(
  dbUrl: string,
  deadline: number,
  log: (m: string) => void,
  extra: () => string = () => '',
): Promise<boolean> {
  let lastTick = 0;
  while (Date.now() < deadline) {
    const quiet = Date.now() - lastTick < 10_000;
    const active = quiet ? await activeSyncs(dbUrl) : await progress(dbUrl, log, extra());
    if (!quiet) lastTick = Date.now();
    if (active === 0) return true;
    await sleep(1000);
  }
  return false;
}
