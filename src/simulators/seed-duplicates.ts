/**
 * Plants, at a destination simulator, copies of a share of a source simulator account's workouts the
 * way they get there in real life (the watch uploaded it directly, the phone logged it too), plus
 * near-misses that are not copies. Talks to both simulators through their `/_sim` control API only
 * (reading the source account, inserting raw records at the destination), so tests, the demo and the
 * benchmarks can use it against any running pair.
 */
import { kindFromGoogle, kindToGoogle } from '../modules/providers/fitbit/fitbit.activity-kinds.js';
import { kindFromStrava, kindToStrava } from '../modules/providers/strava/strava.activity-kinds.js';
import type { ActivityKind } from '../modules/providers/canonical/canonical-session.js';

export type SimProvider = 'fitbit' | 'strava';

/** How a planted copy differs from its source workout. */
export type CopyVariant = 'EXACT' | 'SHIFTED' | 'PLUS_ONE_HOUR' | 'COMPATIBLE_SPORT';
/** Planted activities that must not be taken for copies. */
export type NearMissVariant = 'DIFFERENT_SPORT' | 'GAP_20_MIN' | 'WALK_INSIDE_RIDE';

export interface SeedSide {
  provider: SimProvider;
  /** The simulator's base URL (its `/_sim` API is under it). */
  url: string;
  account: string;
}

export interface SeedOptions {
  source: SeedSide;
  destination: SeedSide;
  /** Only source workouts starting in [from, to). */
  from: Date;
  to: Date;
  /** Share of those workouts that get a copy (default 0.3). */
  fraction?: number;
  /** Near-misses to plant (default 6). */
  nearMisses?: number;
}

export interface SeedResult {
  copies: Array<{ sourceId: string; variant: CopyVariant; destinationId: string }>;
  nearMisses: Array<{ sourceId: string; variant: NearMissVariant; destinationId: string }>;
  /** Source workouts in the window. */
  considered: number;
}

interface Workout {
  id: string;
  kind: ActivityKind;
  start: number;
  elapsedSeconds: number;
  movingSeconds: number;
  offsetSeconds: number;
  distanceMeters: number;
  name: string;
}

// another label of the same workout (what a second device or app files it under)
const STRAVA_COMPATIBLE: Partial<Record<ActivityKind, string>> = {
  RUN: 'TrailRun',
  RIDE: 'MountainBikeRide',
  WALK: 'Hike',
  HIKE: 'Walk',
};
const GOOGLE_COMPATIBLE: Partial<Record<ActivityKind, string>> = {
  RUN: 'WALKING',
  WALK: 'HIKING',
  HIKE: 'WALKING',
};
const VARIANTS: CopyVariant[] = ['EXACT', 'SHIFTED', 'PLUS_ONE_HOUR', 'COMPATIBLE_SPORT'];

async function simJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url} answered ${res.status}`);
  return (await res.json()) as T;
}

async function sourceWorkouts(side: SeedSide): Promise<Workout[]> {
  const contents = await simJson<{ dataPoints?: GooglePointJson[]; activities?: StravaActivityJson[] }>(
    `${side.url}/_sim/accounts/${encodeURIComponent(side.account)}`,
  );
  if (side.provider === 'fitbit') {
    return (contents.dataPoints ?? []).map((p) => {
      const x = p.exercise;
      const start = Date.parse(x.interval.startTime);
      const elapsed = (Date.parse(x.interval.endTime) - start) / 1000;
      return {
        id: String(p.name).split('/').at(-1)!,
        kind: kindFromGoogle(x.exerciseType),
        start,
        elapsedSeconds: elapsed,
        movingSeconds: Number.parseFloat(x.activeDuration ?? `${elapsed}`) || elapsed,
        offsetSeconds: Number.parseFloat(x.interval.startUtcOffset),
        distanceMeters: (x.metricsSummary?.distanceMillimeters ?? 0) / 1000,
        name: x.displayName,
      };
    });
  }
  return (contents.activities ?? []).map((a) => ({
    id: String(a.id),
    kind: kindFromStrava(a.sport_type),
    start: Date.parse(a.start_date),
    elapsedSeconds: a.elapsed_time,
    movingSeconds: a.moving_time,
    offsetSeconds: a.utc_offset,
    distanceMeters: a.distance ?? 0,
    name: a.name,
  }));
}

interface GooglePointJson {
  name: string;
  exercise: {
    displayName: string;
    exerciseType: string;
    activeDuration?: string;
    interval: { startTime: string; endTime: string; startUtcOffset: string };
    metricsSummary?: { distanceMillimeters?: number };
  };
}
interface StravaActivityJson {
  id: number;
  name: string;
  sport_type: string;
  start_date: string;
  elapsed_time: number;
  moving_time: number;
  utc_offset: number;
  distance?: number;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The destination's raw JSON of a workout (kind is canonical, or a provider label when `label` is given). */
function destinationRecord(provider: SimProvider, w: Workout, label?: string): Record<string, unknown> {
  if (provider === 'strava') {
    const sport = label ?? kindToStrava(w.kind);
    return {
      name: w.name,
      sport_type: sport,
      type: sport,
      start_date: iso(w.start),
      start_date_local: iso(w.start + w.offsetSeconds * 1000),
      utc_offset: w.offsetSeconds,
      elapsed_time: w.elapsedSeconds,
      moving_time: w.movingSeconds,
      distance: w.distanceMeters,
      manual: false,
      external_id: 'garmin_push_' + w.start,
      start_latlng: [],
      has_heartrate: false,
    };
  }
  return {
    dataSource: { recordingMethod: 'ACTIVELY_MEASURED', device: { displayName: 'Pixel Watch' } },
    exercise: {
      displayName: w.name,
      exerciseType: label ?? kindToGoogle(w.kind),
      interval: {
        startTime: iso(w.start),
        startUtcOffset: `${w.offsetSeconds}s`,
        endTime: iso(w.start + w.elapsedSeconds * 1000),
        endUtcOffset: `${w.offsetSeconds}s`,
      },
      activeDuration: `${w.movingSeconds}s`,
      metricsSummary:
        w.distanceMeters > 0 ? { distanceMillimeters: Math.round(w.distanceMeters * 1000) } : {},
      exerciseMetadata: { hasGps: false },
    },
  };
}

async function plant(side: SeedSide, record: Record<string, unknown>): Promise<string> {
  const body = await simJson<{ id?: number; name?: string }>(
    `${side.url}/_sim/accounts/${encodeURIComponent(side.account)}/raw`,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(record),
    },
  );
  return side.provider === 'strava' ? String(body.id) : String(body.name).split('/').at(-1)!;
}

/** Plants copies of `fraction` of the window's source workouts (cycling through the variants), and near-misses. */
export async function seedPreExisting(options: SeedOptions): Promise<SeedResult> {
  const { destination } = options;
  const fraction = options.fraction ?? 0.3;
  const workouts = (await sourceWorkouts(options.source))
    .filter((w) => w.start >= options.from.getTime() && w.start < options.to.getTime())
    .sort((a, b) => a.start - b.start || a.id.localeCompare(b.id));
  const result: SeedResult = { copies: [], nearMisses: [], considered: workouts.length };
  const compatible = destination.provider === 'strava' ? STRAVA_COMPATIBLE : GOOGLE_COMPATIBLE;
  const picked = workouts.filter((_, i) => i % 10 < Math.round(fraction * 10));
  for (const [i, w] of picked.entries()) {
    let variant = VARIANTS[i % VARIANTS.length];
    if (variant === 'COMPATIBLE_SPORT' && !compatible[w.kind]) variant = 'EXACT';
    const copy =
      variant === 'SHIFTED'
        ? {
            ...w,
            start: w.start + (30 + ((i * 37) % 90)) * 1000 * (i % 2 ? -1 : 1),
            elapsedSeconds: w.elapsedSeconds - 20,
          }
        : variant === 'PLUS_ONE_HOUR'
          ? { ...w, start: w.start + 3600_000 }
          : variant === 'COMPATIBLE_SPORT'
            ? { ...w, start: w.start + 10_000 }
            : w;
    const label = variant === 'COMPATIBLE_SPORT' ? compatible[w.kind] : undefined;
    const destinationId = await plant(destination, destinationRecord(destination.provider, copy, label));
    result.copies.push({ sourceId: w.id, variant, destinationId });
  }
  // near-misses: workouts next to source workouts that got no copy (never at the very same second:
  // Strava itself refuses an upload that starts when another activity does)
  const copied = new Set(picked.map((w) => w.id));
  const free = workouts.filter((w) => !copied.has(w.id));
  const wanted = options.nearMisses ?? 6;
  const rides = free.filter((w) => w.kind === 'RIDE' && w.elapsedSeconds >= 3600);
  const others = free.filter((w) => w.kind !== 'RIDE');
  for (let i = 0; i < wanted; i++) {
    const variant: NearMissVariant = (['DIFFERENT_SPORT', 'GAP_20_MIN', 'WALK_INSIDE_RIDE'] as const)[i % 3];
    const pool = variant === 'WALK_INSIDE_RIDE' ? rides : others;
    const w = pool[Math.floor((i / wanted) * pool.length)];
    if (!w) continue;
    const miss =
      variant === 'DIFFERENT_SPORT'
        ? { ...w, kind: (w.kind === 'SWIM' ? 'RIDE' : 'SWIM') as ActivityKind, start: w.start + 30_000 }
        : variant === 'GAP_20_MIN'
          ? // another, shorter session 20 minutes after this one ended (a cool-down jog)
            {
              ...w,
              start: w.start + (w.elapsedSeconds + 20 * 60) * 1000,
              elapsedSeconds: Math.round(w.elapsedSeconds * 0.6),
              movingSeconds: Math.round(w.movingSeconds * 0.6),
              distanceMeters: Math.round(w.distanceMeters * 0.5),
            }
          : {
              ...w,
              kind: 'WALK' as ActivityKind,
              start: w.start + 20 * 60_000,
              elapsedSeconds: 15 * 60,
              movingSeconds: 15 * 60,
              distanceMeters: 1200,
            };
    const destinationId = await plant(destination, destinationRecord(destination.provider, miss));
    result.nearMisses.push({ sourceId: w.id, variant, destinationId });
  }
  return result;
}
