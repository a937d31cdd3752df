import type { Readable } from 'node:stream';
import sax from 'sax';
import type { ActivityKind, TrackPoint } from '../canonical/canonical-session.js';
import { KIND_NAMES, type FileSession } from './activity-file.js';

/** A `<Workout>` of Apple Health's export.xml, in our units. */
export interface AppleWorkout {
  /** `workoutActivityType`, e.g. HKWorkoutActivityTypeRunning. */
  type: string;
  start: string;
  startUtcOffsetSeconds: number;
  end: string;
  endUtcOffsetSeconds: number;
  durationSeconds: number;
  distanceMeters?: number;
  energyKcal?: number;
  averageHeartRate?: number;
  maxHeartRate?: number;
  indoor: boolean;
  sourceName?: string;
  /** The route's file name (`route_2024-01-01_8.00am.gpx`, in `workout-routes/`), since iOS 13. */
  routeFile?: string;
  /** The route's points written inside the workout, before iOS 13. */
  inlineRoute?: TrackPoint[];
}

/**
 * Reads the workouts of Apple Health's export.xml as a stream (exports of several GB are common):
 * one `<Workout>` at a time, its statistics (iOS 16 moved the totals there) or its attributes, its
 * indoor flag and route. Millions of `<Record>`s pass by unkept. The parser is lenient: iOS 16
 * ships a DTD that strict parsers refuse. A workout that cannot be read is a problem, not the end.
 */
export function readAppleHealthWorkouts(
  input: Readable,
): Promise<{ workouts: AppleWorkout[]; problems: Array<{ message: string }> }> {
  const workouts: AppleWorkout[] = [];
  const problems: Array<{ message: string }> = [];
  const parser = sax.createStream(false, { lowercase: true, trim: true });
  let current:
    | {
        attrs: Record<string, string>;
        stats: Array<Record<string, string>>;
        meta: Map<string, string>;
        route?: string;
        points: TrackPoint[];
      }
    | undefined;
  parser.on('opentag', (node) => {
    const attrs = node.attributes as Record<string, string>;
    if (node.name === 'workout') current = { attrs, stats: [], meta: new Map(), points: [] };
    else if (!current) return;
    else if (node.name === 'workoutstatistics') current.stats.push(attrs);
    else if (node.name === 'metadataentry') current.meta.set(attrs.key, attrs.value);
    else if (node.name === 'filereference') current.route = attrs.path?.split('/').pop();
    else if (node.name === 'location') {
      const time = parseHealthDate(attrs.date);
      if (time && attrs.latitude && attrs.longitude)
        current.points.push({
          time: time.iso,
          lat: Number(attrs.latitude),
          lng: Number(attrs.longitude),
          ...(attrs.altitude ? { altitudeMeters: Number(attrs.altitude) } : {}),
        });
    }
  });
  parser.on('closetag', (name) => {
    if (name !== 'workout' || !current) return;
    const read = workoutOf(current.attrs, current.stats, current.meta, current.route, current.points);
    if (typeof read === 'string') problems.push({ message: read });
    else workouts.push(read);
    current = undefined;
  });
  return new Promise((resolve, reject) => {
    parser.on('error', function (this: { _parser: { error: unknown; resume(): void } }, error: Error) {
      // a lenient parse goes on past a malformed spot (the iOS 16 DTD, stray control characters)
      if (problems.length < 100) problems.push({ message: `export.xml: ${error.message.split('\n')[0]}` });
      this._parser.error = null;
      this._parser.resume();
    });
    parser.on('end', () => resolve({ workouts, problems }));
    input.on('error', reject);
    input.pipe(parser);
  });
}

function workoutOf(
  attrs: Record<string, string>,
  stats: Array<Record<string, string>>,
  meta: Map<string, string>,
  route: string | undefined,
  points: TrackPoint[],
): AppleWorkout | string {
  const start = parseHealthDate(attrs.startdate);
  const end = parseHealthDate(attrs.enddate);
  const type = attrs.workoutactivitytype ?? 'HKWorkoutActivityTypeOther';
  if (!start || !end) return `a ${type} workout has an unreadable date ("${attrs.startdate}")`;
  const stat = (suffix: string) => stats.find((s) => s.type?.endsWith(suffix));
  const distance = stats.find((s) =>
    /Distance(WalkingRunning|Cycling|Swimming|Wheelchair|DownhillSnowSports)$/.test(s.type ?? ''),
  );
  const energy = stat('ActiveEnergyBurned');
  const hr = stat('HeartRate');
  const durationSeconds =
    seconds(attrs.duration, attrs.durationunit) ?? (Date.parse(end.iso) - Date.parse(start.iso)) / 1000;
  const distanceMeters = distance
    ? meters(distance.sum, distance.unit)
    : meters(attrs.totaldistance, attrs.totaldistanceunit);
  const energyKcal = energy
    ? kcal(energy.sum, energy.unit)
    : kcal(attrs.totalenergyburned, attrs.totalenergyburnedunit);
  return {
    type,
    start: start.iso,
    startUtcOffsetSeconds: start.offset,
    end: end.iso,
    endUtcOffsetSeconds: end.offset,
    durationSeconds: Math.round(durationSeconds),
    ...(distanceMeters ? { distanceMeters } : {}),
    ...(energyKcal ? { energyKcal } : {}),
    ...(hr?.average ? { averageHeartRate: Math.round(Number(hr.average)) } : {}),
    ...(hr?.maximum ? { maxHeartRate: Math.round(Number(hr.maximum)) } : {}),
    indoor: meta.get('HKIndoorWorkout') === '1',
    ...(attrs.sourcename ? { sourceName: attrs.sourcename } : {}),
    ...(route ? { routeFile: route } : {}),
    ...(points.length > 0 ? { inlineRoute: points } : {}),
  };
}

/** A workout's session; `route`: its GPX route file's session, when the export holds one. */
export function appleWorkoutSession(w: AppleWorkout, route?: FileSession): FileSession {
  const kind = kindOfWorkoutType(w.type);
  const track = route?.track ?? w.inlineRoute;
  return {
    kind,
    name: `${KIND_NAMES[kind]}${w.sourceName ? ` (${w.sourceName})` : ''}`,
    start: w.start,
    end: w.end,
    startUtcOffsetSeconds: w.startUtcOffsetSeconds,
    endUtcOffsetSeconds: w.endUtcOffsetSeconds,
    elapsedSeconds: Math.max(1, Math.round((Date.parse(w.end) - Date.parse(w.start)) / 1000)),
    movingSeconds: w.durationSeconds,
    ...(w.distanceMeters ? { distanceMeters: w.distanceMeters } : {}),
    ...(w.energyKcal ? { energyKcal: w.energyKcal } : {}),
    ...(w.averageHeartRate ? { averageHeartRate: w.averageHeartRate } : {}),
    ...(w.maxHeartRate ? { maxHeartRate: w.maxHeartRate } : {}),
    indoor: w.indoor || !track?.some((p) => p.lat !== undefined),
    ...(track && track.length > 0 ? { track } : {}),
  };
}

/**
 * Apple Health's dates: `2024-01-01 08:00:00 -0700` (local time and its offset; not ISO), also with
 * a 12-hour clock (`8:00:00 AM`, sometimes a narrow no-break space before it).
 */
export function parseHealthDate(text: string | undefined): { iso: string; offset: number } | undefined {
  const m =
    /^(\d{4})-(\d{2})-(\d{2}) (\d{1,2}):(\d{2}):(\d{2})(?:\s?([AaPp][Mm]))? ([+-])(\d{2}):?(\d{2})$/.exec(
      (text ?? '').replace(/[\u202f\u00a0]/g, ' ').trim(),
    );
  if (!m) return undefined;
  let hour = Number(m[4]);
  const half = m[7]?.toLowerCase();
  if (half === 'pm' && hour < 12) hour += 12;
  if (half === 'am' && hour === 12) hour = 0;
  const offset = (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 3600 + Number(m[10]) * 60);
  const local = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), hour, Number(m[5]), Number(m[6]));
  if (Number.isNaN(local)) return undefined;
  return { iso: new Date(local - offset * 1000).toISOString().replace('.000Z', 'Z'), offset };
}

const UNIT_SECONDS: Record<string, number> = { s: 1, sec: 1, min: 60, hr: 3600, h: 3600 };
const UNIT_METERS: Record<string, number> = {
  m: 1,
  km: 1000,
  mi: 1609.344,
  yd: 0.9144,
  ft: 0.3048,
  cm: 0.01,
};
const UNIT_KCAL: Record<string, number> = { kcal: 1, Cal: 1, cal: 0.001, kJ: 1 / 4.184, J: 1 / 4184 };

const scaled = (value: string | undefined, factor: number | undefined) => {
  const n = Number(value);
  return value === undefined || !factor || !Number.isFinite(n) || n <= 0 ? undefined : n * factor;
};
const seconds = (v: string | undefined, unit = 'min') => scaled(v, UNIT_SECONDS[unit]);
const meters = (v: string | undefined, unit = 'km') => {
  const m = scaled(v, UNIT_METERS[unit]);
  return m === undefined ? undefined : Math.round(m * 10) / 10;
};
const kcal = (v: string | undefined, unit = 'kcal') => {
  const k = scaled(v, UNIT_KCAL[unit]);
  return k === undefined ? undefined : Math.round(k);
};

export function kindOfWorkoutType(type: string): ActivityKind {
  switch (type.replace(/^HKWorkoutActivityType/, '')) {
    case 'Running':
      return 'RUN';
    case 'Cycling':
    case 'HandCycling':
      return 'RIDE';
    case 'Walking':
      return 'WALK';
    case 'Hiking':
      return 'HIKE';
    case 'Swimming':
      return 'SWIM';
    case 'Yoga':
      return 'YOGA';
    case 'Pilates':
      return 'PILATES';
    case 'TraditionalStrengthTraining':
    case 'FunctionalStrengthTraining':
      return 'STRENGTH';
    case 'HighIntensityIntervalTraining':
      return 'HIIT';
    default:
      return 'WORKOUT';
  }
}
