import { utcOffsetSeconds } from '../../common/time-zone.js';
import type { SimSession } from '../data/account.js';
import type { SimSport } from '../data/sports.js';
import type { SimTrackPoint } from '../data/track.js';
import { encodePolyline, thin } from './polyline.js';

/** An activity as the Strava simulator stores it. */
export interface StravaActivityRecord {
  id: number;
  athleteId: number;
  externalId: string | null;
  uploadId: number | null;
  name: string;
  sportType: string;
  start: Date;
  timezone: string;
  elapsedSeconds: number;
  movingSeconds: number;
  distanceMeters: number;
  elevationGainMeters: number;
  calories: number;
  averageHr?: number;
  maxHr?: number;
  trainer: boolean;
  commute: boolean;
  manual: boolean;
  description: string | null;
  deviceName: string | null;
  /** Recorded samples: from the uploaded file, or generated from the session on demand. */
  track: () => SimTrackPoint[];
  /** Fields that override the generated JSON (planted, possibly malformed, data). */
  raw?: Record<string, unknown>;
}

export const SPORT_TYPES: Record<SimSport, string> = {
  RUN: 'Run',
  RIDE: 'Ride',
  WALK: 'Walk',
  HIKE: 'Hike',
  SWIM: 'Swim',
  YOGA: 'Yoga',
  WEIGHTS: 'WeightTraining',
  HIIT: 'HighIntensityIntervalTraining',
  WORKOUT: 'Workout',
  PILATES: 'Pilates',
};

/** The sport types the simulator accepts (a subset of Strava's list; anything else is a 400). */
export const KNOWN_SPORT_TYPES = [
  ...Object.values(SPORT_TYPES),
  'TrailRun',
  'VirtualRun',
  'VirtualRide',
  'MountainBikeRide',
  'GravelRide',
  'EBikeRide',
  'Rowing',
  'Elliptical',
  'StairStepper',
  'Crossfit',
];

/** Legacy `type` of a sport type (Strava keeps both on activities). */
const LEGACY_TYPE: Record<string, string> = {
  HighIntensityIntervalTraining: 'Workout',
  Pilates: 'Workout',
  TrailRun: 'Run',
  MountainBikeRide: 'Ride',
  GravelRide: 'Ride',
};

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function gmtLabel(timezone: string, at: Date): string {
  const offset = utcOffsetSeconds(timezone, at);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `(GMT${sign}${String(Math.floor(abs / 3600)).padStart(2, '0')}:${String((abs % 3600) / 60).padStart(2, '0')}) ${timezone}`;
}

export function fromSession(
  id: number,
  athleteId: number,
  s: SimSession,
  timezone: string,
  track: () => SimTrackPoint[],
): StravaActivityRecord {
  return {
    id,
    athleteId,
    externalId: `garmin_push_${id}`,
    uploadId: id * 7 + 3,
    name: s.name,
    sportType: SPORT_TYPES[s.sport],
    start: s.start,
    timezone,
    elapsedSeconds: s.elapsedSeconds,
    movingSeconds: s.movingSeconds,
    distanceMeters: s.distanceMeters,
    elevationGainMeters: s.elevationGainMeters,
    calories: s.calories,
    averageHr: s.averageHr,
    maxHr: s.maxHr,
    trainer: !s.hasGps && ['RUN', 'RIDE'].includes(s.sport),
    commute: false,
    manual: false,
    description: null,
    deviceName: 'Garmin Forerunner 965',
    track,
  };
}

/** SummaryActivity (resource_state 2), or DetailedActivity (3) with `detailed`. */
export function activityJson(a: StravaActivityRecord, detailed = false): Record<string, unknown> {
  const track = a.manual ? [] : a.track();
  const gps = track.filter((p) => p.lat !== undefined);
  const first = gps[0];
  const last = gps.at(-1);
  const offset = utcOffsetSeconds(a.timezone, a.start);
  const hr = a.averageHr !== undefined;
  const speed = a.movingSeconds > 0 ? a.distanceMeters / a.movingSeconds : 0;
  const summary: Record<string, unknown> = {
    resource_state: detailed ? 3 : 2,
    athlete: { id: a.athleteId, resource_state: 1 },
    name: a.name,
    distance: a.distanceMeters,
    moving_time: a.movingSeconds,
    elapsed_time: a.elapsedSeconds,
    total_elevation_gain: a.elevationGainMeters,
    type: LEGACY_TYPE[a.sportType] ?? a.sportType,
    sport_type: a.sportType,
    workout_type: null,
    id: a.id,
    external_id: a.externalId,
    upload_id: a.uploadId,
    upload_id_str: a.uploadId === null ? null : String(a.uploadId),
    start_date: iso(a.start),
    start_date_local: iso(new Date(a.start.getTime() + offset * 1000)),
    timezone: gmtLabel(a.timezone, a.start),
    utc_offset: offset,
    achievement_count: 0,
    kudos_count: 0,
    comment_count: 0,
    athlete_count: 1,
    photo_count: 0,
    map: mapJson(a.id, gps, detailed),
    trainer: a.trainer,
    commute: a.commute,
    manual: a.manual,
    private: false,
    flagged: false,
    gear_id: null,
    start_latlng: first ? [first.lat, first.lng] : [],
    end_latlng: last ? [last.lat, last.lng] : [],
    average_speed: Math.round(speed * 1000) / 1000,
    max_speed: Math.round(speed * 1.35 * 1000) / 1000,
    has_heartrate: hr,
    ...(hr ? { average_heartrate: a.averageHr, max_heartrate: a.maxHr } : {}),
    pr_count: 0,
    total_photo_count: 0,
    has_kudoed: false,
  };
  const json = detailed
    ? {
        ...summary,
        description: a.description,
        calories: a.calories,
        device_name: a.deviceName,
        embed_token: `e${a.id}`,
      }
    : summary;
  return a.raw ? { ...json, ...a.raw } : json;
}

/** The route as encoded polylines: the full track on the detailed activity, a thinned one on both. */
function mapJson(id: number, gps: SimTrackPoint[], detailed: boolean) {
  const latlngs = gps.map((p) => [p.lat!, p.lng!] as const);
  const summary = encodePolyline(thin(latlngs, 200));
  return detailed
    ? { id: `a${id}`, polyline: encodePolyline(latlngs), resource_state: 3, summary_polyline: summary }
    : { id: `a${id}`, summary_polyline: summary, resource_state: 2 };
}

export const STREAM_KEYS = ['time', 'latlng', 'distance', 'altitude', 'heartrate'] as const;
export type StreamKey = (typeof STREAM_KEYS)[number];

/** The activity's streams; `distance` always comes with the requested keys, as on Strava. */
export function streamsJson(a: StravaActivityRecord, keys: StreamKey[], keyByType: boolean): unknown {
  const track = a.manual ? [] : a.track();
  if (track.length === 0) return keyByType ? {} : [];
  const start = track[0].time.getTime();
  const values: Record<StreamKey, unknown[] | undefined> = {
    time: track.map((p) => Math.round((p.time.getTime() - start) / 1000)),
    latlng: track.every((p) => p.lat !== undefined) ? track.map((p) => [p.lat, p.lng]) : undefined,
    distance: track.every((p) => p.distance !== undefined) ? track.map((p) => p.distance) : undefined,
    altitude: track.every((p) => p.altitude !== undefined) ? track.map((p) => p.altitude) : undefined,
    heartrate: track.every((p) => p.heartRate !== undefined) ? track.map((p) => p.heartRate) : undefined,
  };
  const wanted = [...new Set<StreamKey>([...keys, 'distance'])].filter((k) => values[k] !== undefined);
  const streams = wanted.map((type) => ({
    type,
    data: values[type],
    series_type: values.distance ? 'distance' : 'time',
    original_size: track.length,
    resolution: 'high',
  }));
  return keyByType ? Object.fromEntries(streams.map(({ type, ...rest }) => [type, rest])) : streams;
}
