/**
 * The population of `bench:fairness`: simulated accounts planted through the simulators' /_sim control
 * API (sparse on purpose: `recordsPerMonth` manual activities a month, no GPS, so each costs one
 * Strava write and little CPU), and users connecting and starting syncs over the service's HTTP API.
 */
import { randomUUID } from 'node:crypto';
import { signToken } from '../../src/common/auth/token.js';
import type { SimSession } from '../../src/simulators/data/account.js';
import { sessionToDataPoint } from '../../src/simulators/google/google-data.js';
import { apiAs, consent, createConnection, strict, type ApiCall } from './connect.js';

export type SyncClass = 'INITIAL_7_DAY' | 'LAST_YEAR' | 'ALL_TIME';

/** One orchestration the run follows. Times are epoch ms (client clock = server clock here). */
export interface Tracked {
  id: string;
  cls: SyncClass;
  user: string;
  /** For a 7-day sync: the user also has a historical sync (the 300 backfill users). */
  withBackfill: boolean;
  api: ApiCall;
  /** When the user connected (7-day) or asked for the historical sync. */
  arrivedAt: number;
  endedAt?: number;
  status?: string;
  /** The estimate route's answer just before creating this sync (a few LAST_YEAR syncs). */
  estimate?: { seconds: number; warnings: string[] };
  /**
   * The first poll at or after 10 / 50 / 90 % progress: made as the sync reaches it (as the app,
   * polling every 10 s, sees it within 10 s); `roundRobin`: the round-robin poller's first one.
   */
  checkpoints: Record<string, Checkpoint>;
  roundRobin: Record<string, Checkpoint>;
  polls: number;
}

export interface Checkpoint {
  at: number;
  progress: number;
  remaining: number | null;
  completionAt: string | null;
}

export interface User {
  id: string;
  cls: SyncClass;
  api: ApiCall;
  connectionId?: string;
}

const DAY = 86_400_000;
const SPORTS = [
  { sport: 'RUN', distance: 6000 },
  { sport: 'WEIGHTS', distance: 0 },
  { sport: 'RIDE', distance: 20_000 },
] as const;

/** A manual (no GPS) session starting `start`. */
function session(n: number, start: Date): SimSession {
  const s = SPORTS[n % SPORTS.length];
  return {
    key: `p${n}`,
    sport: s.sport,
    name: `Planted ${s.sport.toLowerCase()}`,
    start,
    startUtcOffset: 0,
    endUtcOffset: 0,
    elapsedSeconds: 2700,
    movingSeconds: 2600,
    distanceMeters: s.distance,
    elevationGainMeters: 0,
    calories: 320,
    averageHr: 132,
    maxHr: 161,
    hasGps: false,
    trackSeed: n,
  };
}

async function control(base: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${base}/_sim${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${base}/_sim${path}: ${res.status}`);
}

/**
 * The user's Google account (membership from `months` ago, no generated sessions; one planted session
 * two days ago for the 7-day sync, and `perMonth` a month before that) and an empty Strava account.
 */
export async function plantAccounts(
  u: User,
  months: number,
  perMonth: number,
  sims: { google: string; strava: string },
): Promise<number> {
  const now = Date.now();
  const historyDays = months > 0 ? Math.ceil(months * 30.44) + 1 : 30;
  const common = { seed: u.id, historyDays, sessionsPerWeek: [0, 0], timezone: 'UTC' };
  await control(sims.google, '/accounts', { id: `${u.id}-fitbit`, ...common });
  await control(sims.strava, '/accounts', {
    id: `${u.id}-strava`,
    seed: `${u.id}-dst`,
    historyDays: 0,
    timezone: 'UTC',
  });
  const starts = [new Date(now - 2 * DAY)];
  for (let m = 0; m < months; m++)
    for (let j = 0; j < perMonth; j++) starts.push(new Date(now - (m + (j + 0.5) / perMonth) * 30.44 * DAY));
  for (const [n, start] of starts.entries()) {
    start.setUTCHours(8 + (n % 10), 7, 0, 0);
    if (start.getTime() > now - 3600_000 || start.getTime() < now - (historyDays - 1) * DAY) continue;
    await control(
      sims.google,
      `/accounts/${u.id}-fitbit/raw`,
      sessionToDataPoint('x', String(7e12 + n), session(n, start)),
    );
  }
  return starts.length;
}

export function makeUser(apiUrl: string, secret: string, cls: SyncClass, i: number): User {
  const id = `fair-${cls === 'INITIAL_7_DAY' ? 'new' : cls === 'LAST_YEAR' ? 'year' : 'all'}-${i}`;
  return { id, cls, api: apiAs(apiUrl, signToken(secret, { sub: id }), 30_000) };
}

/** Consent at both simulators (accounts already planted) and POST /v1/connections: the 7-day sync. */
export async function connectUser(u: User, admin: ApiCall): Promise<Tracked> {
  if (u.cls !== 'INITIAL_7_DAY')
    await strict(admin)('PUT', `/v1/admin/users/${u.id}/entitlement`, { tier: 'PRO' });
  const source = await consent(u.api, 'fitbit', `${u.id}-fitbit`);
  const destination = await consent(u.api, 'strava', `${u.id}-strava`);
  const arrivedAt = Date.now();
  const connection = await createConnection(u.api, source, destination);
  u.connectionId = connection.id;
  return {
    id: connection.initialSync.orchestrationId,
    cls: 'INITIAL_7_DAY',
    user: u.id,
    withBackfill: u.cls !== 'INITIAL_7_DAY',
    api: u.api,
    arrivedAt,
    checkpoints: {},
    roundRobin: {},
    polls: 0,
  };
}

/** POST historical-syncs (LAST_YEAR or ALL_TIME); with `estimate`, asks the estimate route first. */
export async function startHistorical(u: User, estimate: boolean): Promise<Tracked> {
  const preset = u.cls;
  const base = `/v1/connections/${u.connectionId}/historical-syncs`;
  let asked: Tracked['estimate'];
  if (estimate) {
    const e = await strict(u.api)('GET', `${base}/estimate?preset=${preset}`);
    asked = {
      seconds: e.estimatedSeconds,
      warnings: (e.warnings ?? []).map((w: { code: string }) => w.code),
    };
  }
  const arrivedAt = Date.now();
  const created = await strict(u.api)(
    'POST',
    base,
    { range: { preset } },
    { 'idempotency-key': randomUUID() },
  );
  return {
    id: created.orchestrationId,
    cls: preset,
    user: u.id,
    withBackfill: false,
    api: u.api,
    arrivedAt,
    estimate: asked,
    checkpoints: {},
    roundRobin: {},
    polls: 0,
  };
}

/** Runs `task` over `items` with at most `width` at a time. */
export async function pool<T>(items: T[], width: number, task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}
