import { writeFit } from '../../../common/formats/fit.js';
import type { CanonicalSession, SourceRecord, TrackPoint } from '../canonical/canonical-session.js';
import { localTime } from '../canonical/canonical-session.js';
import { kindToFit } from '../canonical/activity-kinds.js';
import { kindFromStrava, kindToStrava } from './strava.activity-kinds.js';
import type { ActivityFacts } from '../dedup/duplicate-matcher.js';

/** The parts of a Strava SummaryActivity the product reads. */
export interface StravaSummary {
  id: number;
  name?: string;
  sport_type?: string;
  start_date?: string;
  start_date_local?: string;
  utc_offset?: number;
  elapsed_time?: number;
  moving_time?: number;
  distance?: number;
  total_elevation_gain?: number;
  average_heartrate?: number;
  max_heartrate?: number;
  has_heartrate?: boolean;
  trainer?: boolean;
  manual?: boolean;
  external_id?: string | null;
  start_latlng?: number[];
  calories?: number;
  description?: string | null;
}

export type StravaStreams = Partial<
  Record<'time' | 'latlng' | 'altitude' | 'heartrate' | 'distance', { data: unknown[] }>
>;

export const hasTrack = (a: StravaSummary): boolean =>
  Array.isArray(a.start_latlng) && a.start_latlng.length === 2;

/** Mark written into the description of manual activities: how a re-run finds what an earlier attempt created. */
export const marker = (key: string) => `[syncwell:${key}]`;

function trackFromStreams(start: number, streams: StravaStreams): TrackPoint[] | string {
  const time = streams.time?.data as number[] | undefined;
  if (!time?.length) return [];
  const series = {
    latlng: streams.latlng?.data as number[][] | undefined,
    altitude: streams.altitude?.data as number[] | undefined,
    heartrate: streams.heartrate?.data as number[] | undefined,
    distance: streams.distance?.data as number[] | undefined,
  };
  for (const [name, data] of Object.entries(series))
    if (data && data.length !== time.length) return `the ${name} stream does not match the time stream`;
  return time.map((t, i) => ({
    time: new Date(start + t * 1000).toISOString(),
    ...(series.latlng ? { lat: series.latlng[i][0], lng: series.latlng[i][1] } : {}),
    ...(series.altitude ? { altitudeMeters: series.altitude[i] } : {}),
    ...(series.heartrate ? { heartRate: series.heartrate[i] } : {}),
    ...(series.distance ? { distanceMeters: series.distance[i] } : {}),
  }));
}

/** A Strava activity (and its streams, for activities with GPS) as a canonical session. */
export function fromStravaActivity(a: StravaSummary, streams?: StravaStreams): SourceRecord {
  const id = String(a.id);
  const start = Date.parse(a.start_date ?? '');
  if (!Number.isFinite(start) || !(Number(a.elapsed_time) > 0) || typeof a.utc_offset !== 'number') {
    return { id, invalid: 'the activity has no valid start, elapsed time or UTC offset' };
  }
  const track = streams ? trackFromStreams(start, streams) : undefined;
  if (typeof track === 'string') return { id, invalid: track };
  const end = start + a.elapsed_time! * 1000;
  return {
    id,
    session: {
      source: { provider: 'strava', id },
      kind: kindFromStrava(a.sport_type),
      name: a.name?.trim() || 'Workout',
      ...(a.description ? { notes: a.description } : {}),
      start: new Date(start).toISOString().replace('.000Z', 'Z'),
      end: new Date(end).toISOString().replace('.000Z', 'Z'),
      startUtcOffsetSeconds: a.utc_offset,
      endUtcOffsetSeconds: a.utc_offset,
      elapsedSeconds: a.elapsed_time!,
      movingSeconds: a.moving_time ?? a.elapsed_time!,
      ...(a.distance ? { distanceMeters: a.distance } : {}),
      ...(a.calories ? { energyKcal: a.calories } : {}),
      ...(a.total_elevation_gain ? { elevationGainMeters: a.total_elevation_gain } : {}),
      ...(a.has_heartrate && a.average_heartrate ? { averageHeartRate: a.average_heartrate } : {}),
      ...(a.has_heartrate && a.max_heartrate ? { maxHeartRate: a.max_heartrate } : {}),
      indoor: Boolean(a.trainer) || !hasTrack(a),
      ...(track && track.length > 0 ? { track } : {}),
    },
  };
}

/** A listed activity as the duplicate matcher sees it; undefined without a usable start and duration. */
export function stravaFacts(a: StravaSummary): ActivityFacts | undefined {
  const start = Date.parse(a.start_date ?? '');
  if (!Number.isFinite(start) || !(Number(a.elapsed_time) > 0)) return undefined;
  return {
    id: String(a.id),
    kind: kindFromStrava(a.sport_type),
    start,
    end: start + a.elapsed_time! * 1000,
    ...(a.distance ? { distanceMeters: a.distance } : {}),
    ...(typeof a.utc_offset === 'number' ? { utcOffsetSeconds: a.utc_offset } : {}),
  };
}

export const isTracked = (s: CanonicalSession): boolean => Boolean(s.track?.some((p) => p.lat !== undefined));

/** A FIT activity file of a session with a track, for POST /uploads. */
export function toFitUpload(s: CanonicalSession): Uint8Array {
  const { sport, subSport } = kindToFit(s.kind, s.indoor);
  return writeFit({
    sport,
    subSport,
    start: new Date(s.start),
    elapsedSeconds: s.elapsedSeconds,
    movingSeconds: s.movingSeconds,
    distanceMeters: s.distanceMeters ?? 0,
    calories: s.energyKcal ?? 0,
    averageHeartRate: s.averageHeartRate,
    maxHeartRate: s.maxHeartRate ?? maxOf(s.track?.map((p) => p.heartRate)),
    utcOffsetSeconds: s.startUtcOffsetSeconds,
    points: (s.track ?? []).map((p) => ({
      time: new Date(p.time),
      lat: p.lat,
      lng: p.lng,
      altitude: p.altitudeMeters,
      distance: p.distanceMeters,
      heartRate: p.heartRate,
    })),
  });
}

/** The form fields of the upload (besides the file). */
export function uploadFields(s: CanonicalSession, key: string, sourceName: string): Record<string, string> {
  return {
    data_type: 'fit',
    external_id: `${key}.fit`,
    name: s.name,
    description: describe(s, key, sourceName),
    trainer: s.indoor ? '1' : '0',
    commute: '0',
  };
}

/** POST /activities body for a session without a track. */
export function toManualActivity(s: CanonicalSession, key: string, sourceName: string) {
  return {
    name: s.name,
    sport_type: kindToStrava(s.kind),
    start_date_local: `${localTime(s.start, s.startUtcOffsetSeconds)}${offsetSuffix(s.startUtcOffsetSeconds)}`,
    elapsed_time: Math.round(s.elapsedSeconds),
    ...(s.distanceMeters !== undefined ? { distance: Math.round(s.distanceMeters * 10) / 10 } : {}),
    description: describe(s, key, sourceName),
    trainer: s.indoor ? 1 : 0,
    commute: 0,
  };
}

function describe(s: CanonicalSession, key: string, sourceName: string): string {
  return [s.notes, `Imported by SyncWell from ${sourceName}. ${marker(key)}`].filter(Boolean).join('\n\n');
}

/** '+01:00' for 3600: pins the local time to the right instant whatever the athlete's time zone. */
function offsetSuffix(seconds: number): string {
  const abs = Math.abs(seconds);
  return `${seconds < 0 ? '-' : '+'}${String(Math.floor(abs / 3600)).padStart(2, '0')}:${String(Math.floor((abs % 3600) / 60)).padStart(2, '0')}`;
}

const maxOf = (values: Array<number | undefined> | undefined) => {
  const numbers = (values ?? []).filter((v): v is number => v !== undefined);
  return numbers.length ? Math.max(...numbers) : undefined;
};
