/**
 * Options of `npm run bench:fairness` (environment only; see the header of bench/fairness.bench.ts).
 * The Strava limits use the service's own variable names and are given to the simulator as well.
 */
const num = (name: string, fallback: number, min = 0) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number >= ${min}`);
  return value;
};

export function fairnessOptions() {
  const users = num('BENCH_USERS', 1);
  const timeScale = num('BENCH_TIME_SCALE', 0.0125, 0.0001);
  const limit15 = Math.round(num('STRAVA_LIMIT_15MIN', 350, 1));
  const recordsPerMonth = Math.max(1, Math.round(num('BENCH_RECORDS_PER_MONTH', 1, 1)));
  const o = {
    /** Scale factor on the 700 / 250 / 50 population (BENCH_USERS=0.1: 70 / 25 / 5). */
    initial: Math.max(2, Math.round(700 * users)),
    lastYear: Math.max(2, Math.round(250 * users)),
    allTime: Math.max(1, Math.round(50 * users)),
    timeScale,
    /** One Strava 15-minute window, real milliseconds (as the simulator and the service cut it). */
    windowMs: Math.max(1, Math.round(900_000 * timeScale)),
    limits: {
      overall: [limit15, Math.round(num('STRAVA_LIMIT_DAILY', limit15 * 96 * 10, 1))] as [number, number],
      read: [
        Math.round(num('STRAVA_READ_LIMIT_15MIN', limit15, 1)),
        Math.round(num('STRAVA_READ_LIMIT_DAILY', limit15 * 96 * 10, 1)),
      ] as [number, number],
    },
    periodWindows: Math.max(1, Math.round(num('BENCH_FAIRNESS_PERIOD_WINDOWS', 4, 1))),
    /** Planted source activities per month of history (manual, no GPS: one Strava write each). */
    recordsPerMonth,
    /** Status polls per second, over every active sync in turn. */
    pollRps: num('BENCH_POLL_RPS', 30, 1),
    /** Syncs (the last LAST_YEAR ones created) that ask the estimate route first. */
    estimateSyncs: Math.round(num('BENCH_ESTIMATE_SYNCS', 5)),
    /** Seconds over which the 7-day-only users connect; 0 = 70 % of the expected run. */
    arrivalSeconds: num('BENCH_ARRIVAL_SECONDS', 0),
    timeoutSeconds: num('BENCH_TIMEOUT_SECONDS', 1500, 10),
    workers: Math.max(1, Math.round(num('BENCH_WORKERS', 2, 1))),
    keep: process.env.BENCH_KEEP === '1',
    logDir: process.env.BENCH_LOG_DIR,
  };
  return o;
}

export type FairnessOptions = ReturnType<typeof fairnessOptions>;

/**
 * Strava requests the whole population needs at least: per chunk one destination list plus one write
 * per planted record (a 7-day chunk holds one record). Used for the arrival span and the progress line.
 */
export function expectedStravaRequests(o: FairnessOptions): number {
  const months = o.lastYear * 12 + o.allTime * 60;
  const initial = o.initial + o.lastYear + o.allTime;
  return months * (1 + o.recordsPerMonth) + initial * 2;
}
