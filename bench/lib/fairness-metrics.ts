/**
 * The figures of `bench:fairness`, computed from what the run recorded: each sync's arrival and end
 * (its `completedAt`), the status polls' ETA checkpoints, the finish time of every chunk (read from
 * the database at the end) and Strava's requests per quota window. W = one Strava 15-min window.
 */
import type { WindowCount } from './fairness-observe.js';
import type { SyncClass, Tracked } from './fairness-population.js';

export interface MetricInput {
  windowMs: number;
  limit: number;
  periodWindows: number;
  syncs: Tracked[];
  /** Finish times (ms) of each orchestration's COMPLETED / FAILED chunks. */
  chunkFinishes: Map<string, number[]>;
  windows: Map<number, WindowCount>;
  runStart: number;
  runEnd: number;
}

export const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
};
const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);

/** Jain's index (Σx)² / (n·Σx²); undefined for fewer than 2 users or no throughput at all. */
export function jain(x: number[]): number | undefined {
  const sum = x.reduce((a, b) => a + b, 0);
  const squares = x.reduce((a, b) => a + b * b, 0);
  return x.length < 2 || squares === 0 ? undefined : (sum * sum) / (x.length * squares);
}

/** P50/P90 of arrival → end per class, seconds and windows; an unfinished sync counts as infinite. */
function completion(m: MetricInput, select: (s: Tracked) => boolean) {
  const syncs = m.syncs.filter(select);
  const seconds = syncs.map((s) => (s.endedAt === undefined ? Infinity : (s.endedAt - s.arrivedAt) / 1000));
  const w = m.windowMs / 1000;
  const p50 = percentile(seconds, 50);
  const p90 = percentile(seconds, 90);
  return {
    syncs: syncs.length,
    unfinished: seconds.filter((x) => x === Infinity).length,
    p50Seconds: p50,
    p90Seconds: p90,
    p50W: p50 / w,
    p90W: p90 / w,
    maxW: Math.max(...seconds) / w,
  };
}

/** Full windows (by index) from the run's start to the last sync's end. */
function fullWindows(m: MetricInput): number[] {
  const first = Math.ceil(m.runStart / m.windowMs);
  const ends = m.syncs.map((s) => s.endedAt ?? m.runEnd);
  const last = Math.floor(Math.max(...ends) / m.windowMs) - 1;
  return Array.from({ length: Math.max(0, last - first + 1) }, (_, k) => first + k);
}

const historical = (m: MetricInput) => m.syncs.filter((s) => s.cls !== 'INITIAL_7_DAY');

/** Jain's index per period of `windows` windows, among HISTORICAL syncs active for the whole period. */
function fairness(m: MetricInput, windows: number) {
  const syncs = historical(m);
  const firstCreated = Math.min(...syncs.map((s) => s.arrivedAt));
  const lastEnd = Math.max(...syncs.map((s) => s.endedAt ?? m.runEnd));
  const periods: Array<{ start: number; users: number; jain: number; chunks: number }> = [];
  const len = windows * m.windowMs;
  for (let start = Math.ceil(firstCreated / m.windowMs) * m.windowMs; start + len <= lastEnd; start += len) {
    const end = start + len;
    const active = syncs.filter((s) => s.arrivedAt < start && (s.endedAt ?? Infinity) >= end);
    const x = active.map(
      (s) => (m.chunkFinishes.get(s.id) ?? []).filter((t) => t >= start && t < end).length,
    );
    const j = jain(x);
    if (j !== undefined)
      periods.push({
        start: (start - m.runStart) / 1000,
        users: x.length,
        jain: j,
        chunks: x.reduce((a, b) => a + b, 0),
      });
  }
  const values = periods.map((p) => p.jain);
  return { periods: periods.length, mean: mean(values), min: Math.min(...values), detail: periods };
}

/**
 * A HISTORICAL sync is idle when, between two of its progress events (creation, a chunk finishing, its
 * end), more than one window's worth of time fell in windows whose Strava budget had room (< 95 %
 * of the limit used).
 */
function idle(m: MetricInput) {
  const room = (index: number) => (m.windows.get(index)?.requests ?? 0) < 0.95 * m.limit;
  const roomTime = (a: number, b: number) => {
    let total = 0;
    for (let i = Math.floor(a / m.windowMs); i * m.windowMs < b; i++) {
      const overlap = Math.min(b, (i + 1) * m.windowMs) - Math.max(a, i * m.windowMs);
      if (overlap > 0 && room(i)) total += overlap;
    }
    return total;
  };
  const idleSyncs: Array<{ id: string; cls: SyncClass; roomW: number; gapW: number; atSeconds: number }> = [];
  for (const s of historical(m)) {
    const events = [s.arrivedAt, ...(m.chunkFinishes.get(s.id) ?? []), s.endedAt ?? m.runEnd].sort(
      (a, b) => a - b,
    );
    let worst = { roomW: 0, gapW: 0, atSeconds: 0 };
    for (let k = 1; k < events.length; k++) {
      const roomW = roomTime(events[k - 1], events[k]) / m.windowMs;
      if (roomW > worst.roomW)
        worst = {
          roomW,
          gapW: (events[k] - events[k - 1]) / m.windowMs,
          atSeconds: (events[k - 1] - m.runStart) / 1000,
        };
    }
    if (worst.roomW > 1) idleSyncs.push({ id: s.id, cls: s.cls, ...worst });
  }
  return { count: idleSyncs.length, worst: idleSyncs.sort((a, b) => b.roomW - a.roomW).slice(0, 10) };
}

/**
 * |actual − predicted| / actual remaining time at each checkpoint, P50/P90 over HISTORICAL syncs: at
 * the poll made as the sync reached the progress, or (`roundRobin`) at the round-robin's first poll
 * past it, which may land anywhere up to a poll cycle later, down to the last milliseconds of a sync.
 * Predicted: `estimatedCompletionAt` − the poll's time (the same estimate as `estimatedSecondsRemaining`,
 * to the millisecond: the seconds field rounds up, which at this time scale is 80 real seconds); the
 * seconds field's own error is shown too.
 */
function eta(m: MetricInput, source: 'checkpoints' | 'roundRobin' = 'checkpoints') {
  const out: Record<
    string,
    { n: number; p50: number; p90: number; max: number; p90AbsW: number; p90SecondsField: number }
  > = {};
  for (const c of ['10', '50', '90']) {
    const errors: number[] = [];
    const fieldErrors: number[] = [];
    const absW: number[] = [];
    for (const s of historical(m)) {
      const cp = s[source][c];
      if (!cp || cp.remaining === null || s.endedAt === undefined) continue;
      const actual = (s.endedAt - cp.at) / 1000;
      if (actual <= 0) continue;
      const predicted = cp.completionAt ? (Date.parse(cp.completionAt) - cp.at) / 1000 : cp.remaining;
      errors.push(Math.abs(actual - predicted) / actual);
      fieldErrors.push(Math.abs(actual - cp.remaining) / actual);
      absW.push(Math.abs(actual - predicted) / (m.windowMs / 1000));
    }
    out[c] = {
      n: errors.length,
      p50: percentile(errors, 50),
      p90: percentile(errors, 90),
      max: Math.max(...errors),
      // the same error in budget windows: below one window, completion is quantized by the budget
      p90AbsW: percentile(absW, 90),
      p90SecondsField: percentile(fieldErrors, 90),
    };
  }
  const route = m.syncs
    .filter((s) => s.estimate && s.endedAt !== undefined)
    .map((s) => {
      const actual = (s.endedAt! - s.arrivedAt) / 1000;
      return {
        id: s.id,
        predicted: s.estimate!.seconds,
        actual,
        error: Math.abs(actual - s.estimate!.seconds) / actual,
        warnings: s.estimate!.warnings,
      };
    });
  return { checkpoints: out, route, routeMaxError: Math.max(...route.map((r) => r.error)) };
}

/** Strava requests / limit in each full window of the run (work was queued until the last sync ended). */
function utilisation(m: MetricInput) {
  const ratios = fullWindows(m).map((i) => (m.windows.get(i)?.requests ?? 0) / m.limit);
  return {
    windows: ratios.length,
    mean: mean(ratios),
    min: Math.min(...ratios),
    below95: ratios.filter((r) => r < 0.95).length,
    ratios,
  };
}

export function computeMetrics(m: MetricInput) {
  return {
    completion: {
      INITIAL_7_DAY: completion(m, (s) => s.cls === 'INITIAL_7_DAY'),
      'INITIAL_7_DAY (new users only)': completion(m, (s) => s.cls === 'INITIAL_7_DAY' && !s.withBackfill),
      'INITIAL_7_DAY (backfill users)': completion(m, (s) => s.cls === 'INITIAL_7_DAY' && s.withBackfill),
      LAST_YEAR: completion(m, (s) => s.cls === 'LAST_YEAR'),
      ALL_TIME: completion(m, (s) => s.cls === 'ALL_TIME'),
    },
    fairness: { period: fairness(m, m.periodWindows), window: fairness(m, 1) },
    idle: idle(m),
    eta: eta(m),
    /** The same, at the round-robin poller's first poll past the progress (information). */
    etaRoundRobin: eta(m, 'roundRobin').checkpoints,
    utilisation: utilisation(m),
  };
}

export type Metrics = ReturnType<typeof computeMetrics>;
