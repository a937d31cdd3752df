import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { Decoder, Stream } from '@garmin/fitsdk';
import { XMLParser } from 'fast-xml-parser';
import { parseTcx, TcxError } from '../../../common/formats/tcx.js';
import { haversineMeters } from '../../../common/geo.js';
import type { ActivityKind, CanonicalSession, TrackPoint } from '../canonical/canonical-session.js';

/** A session read out of an activity file; the archive source adds where it came from. */
export type FileSession = Omit<CanonicalSession, 'source'>;

/**
 * What an activity file in an export archive holds: a session, the reason it cannot be one (an
 * unreadable or truncated file: the record is SKIPPED_INVALID with it), or nothing for a file that
 * is not an activity file at all (a CSV, a photo, a settings JSON, a FIT file of another type: a
 * watch's monitoring or settings file).
 */
export type ActivityFileResult = { session: FileSession } | { invalid: string } | undefined;

/** The activity file formats of exports (Garmin, Suunto, Polar, COROS, Wahoo, Strava), gzipped or not. */
const ACTIVITY_FILE = /\.(fit|gpx|tcx)(\.gz)?$/i;

export const isActivityFile = (path: string): boolean => ACTIVITY_FILE.test(path);

/**
 * The record id of an archive's file: its content's hash, so the same workout uploaded again in
 * another archive (or at another path) is the same record (the ledger never writes it twice).
 */
export const contentId = (bytes: Buffer): string =>
  createHash('sha256').update(bytes).digest('hex').slice(0, 32);

/** Reads one file of an archive. `maxBytes` bounds a gzipped file's inflated size. */
export function readActivityFile(path: string, bytes: Buffer, maxBytes = 256 * 2 ** 20): ActivityFileResult {
  const match = ACTIVITY_FILE.exec(path);
  if (!match) return undefined;
  let content = bytes;
  if (match[2]) {
    try {
      content = gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (error) {
      return { invalid: `the gzip file cannot be read (${(error as Error).message})` };
    }
  }
  try {
    const format = match[1].toLowerCase();
    const session =
      format === 'fit'
        ? fromFit(content)
        : format === 'gpx'
          ? fromGpx(content.toString('utf8'))
          : fromTcx(content.toString('utf8'));
    const problem = check(session);
    return problem ? { invalid: problem } : { session };
  } catch (error) {
    if (error instanceof NotAnActivity) return undefined;
    return {
      invalid:
        error instanceof FileError || error instanceof TcxError
          ? error.message
          : `unreadable: ${(error as Error).message}`,
    };
  }
}

class FileError extends Error {}
/** A FIT file that is not an activity (Garmin exports mix in monitoring and settings files). */
class NotAnActivity extends Error {}

function check(s: FileSession): string | undefined {
  if (Number.isNaN(Date.parse(s.start))) return 'the file has no start time';
  if (!(s.elapsedSeconds > 0)) return 'the file has no duration';
  return undefined;
}

const SEMICIRCLE = 180 / 2 ** 31;
const FIT_EPOCH_S = 631_065_600;

function fromFit(bytes: Buffer): FileSession {
  const stream = Stream.fromBuffer(bytes);
  if (!Decoder.isFIT(stream)) throw new FileError('not a FIT file');
  const decoder = new Decoder(stream);
  if (!decoder.checkIntegrity()) throw new FileError('the FIT file is damaged or truncated');
  const { messages } = decoder.read();
  const fileType = (messages.fileIdMesgs?.[0] as Record<string, unknown> | undefined)?.type;
  if (fileType !== undefined && fileType !== 'activity') throw new NotAnActivity();
  const session = messages.sessionMesgs?.[0] as Record<string, unknown> | undefined;
  if (!(session?.startTime instanceof Date)) throw new FileError('the FIT file holds no session');
  const activity = messages.activityMesgs?.[0] as Record<string, unknown> | undefined;
  const offset =
    activity?.timestamp instanceof Date && typeof activity.localTimestamp === 'number'
      ? quarterHours(activity.localTimestamp + FIT_EPOCH_S - activity.timestamp.getTime() / 1000)
      : 0;
  const track: TrackPoint[] = ((messages.recordMesgs ?? []) as Array<Record<string, unknown>>)
    .filter((r) => r.timestamp instanceof Date)
    .map((r) => ({
      time: iso(r.timestamp as Date),
      ...(typeof r.positionLat === 'number' && typeof r.positionLong === 'number'
        ? { lat: r.positionLat * SEMICIRCLE, lng: r.positionLong * SEMICIRCLE }
        : {}),
      ...optional('altitudeMeters', (r.enhancedAltitude ?? r.altitude) as number | undefined),
      ...optional('heartRate', r.heartRate as number | undefined),
      ...optional('distanceMeters', r.distance as number | undefined),
    }));
  const start = session.startTime;
  const elapsed = Number(session.totalElapsedTime ?? 0);
  const kind = fitKind(session.sport as string | undefined, session.subSport as string | undefined);
  return {
    kind,
    name: KIND_NAMES[kind],
    start: iso(start),
    end: iso(new Date(start.getTime() + elapsed * 1000)),
    startUtcOffsetSeconds: offset,
    endUtcOffsetSeconds: offset,
    elapsedSeconds: Math.round(elapsed),
    movingSeconds: Math.round(Number(session.totalTimerTime ?? elapsed)),
    ...optional('distanceMeters', session.totalDistance as number | undefined),
    ...optional('energyKcal', session.totalCalories as number | undefined),
    ...optional('elevationGainMeters', session.totalAscent as number | undefined),
    ...optional('averageHeartRate', session.avgHeartRate as number | undefined),
    ...optional('maxHeartRate', session.maxHeartRate as number | undefined),
    indoor: !track.some((p) => p.lat !== undefined),
    ...(track.length > 0 ? { track } : {}),
  };
}

const gpxParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  processEntities: false,
  isArray: (name) => ['trk', 'trkseg', 'trkpt'].includes(name),
});

interface GpxPoint {
  '@lat'?: string;
  '@lon'?: string;
  time?: string;
  ele?: string | number;
  extensions?: { TrackPointExtension?: { hr?: string | number } };
}

function fromGpx(xml: string): FileSession {
  let doc: {
    gpx?: {
      trk?: Array<{ name?: string; desc?: string; type?: string; trkseg?: Array<{ trkpt?: GpxPoint[] }> }>;
    };
  };
  try {
    doc = gpxParser.parse(xml, true);
  } catch (error) {
    throw new FileError(`the GPX file is not well-formed XML (${(error as Error).message.split('\n')[0]})`);
  }
  const trk = doc.gpx?.trk?.[0];
  if (!trk) throw new FileError('the GPX file holds no track');
  const points = (trk.trkseg ?? []).flatMap((seg) => seg.trkpt ?? []);
  const timed = points.filter((p) => p.time && !Number.isNaN(Date.parse(p.time)));
  if (timed.length < 2) throw new FileError('the GPX track has fewer than two timed points');
  let distance = 0;
  const track: TrackPoint[] = timed.map((p, i) => {
    const lat = Number(p['@lat']);
    const lng = Number(p['@lon']);
    const prev = timed[i - 1];
    if (prev)
      distance += haversineMeters({ lat: Number(prev['@lat']), lng: Number(prev['@lon']) }, { lat, lng });
    return {
      time: iso(new Date(p.time!)),
      lat,
      lng,
      ...optional('altitudeMeters', p.ele === undefined ? undefined : Number(p.ele)),
      ...optional(
        'heartRate',
        p.extensions?.TrackPointExtension?.hr === undefined
          ? undefined
          : Number(p.extensions.TrackPointExtension.hr),
      ),
      distanceMeters: Math.round(distance * 10) / 10,
    };
  });
  const start = track[0].time;
  const end = track.at(-1)!.time;
  const elapsed = (Date.parse(end) - Date.parse(start)) / 1000;
  const kind = kindOfText(trk.type);
  const hr = track.map((p) => p.heartRate).filter((h): h is number => h !== undefined && h > 0);
  return {
    kind,
    name: text(trk.name) || KIND_NAMES[kind],
    ...(trk.desc ? { notes: text(trk.desc) } : {}),
    start,
    end,
    // GPX times are UTC and carry no zone
    startUtcOffsetSeconds: 0,
    endUtcOffsetSeconds: 0,
    elapsedSeconds: Math.round(elapsed),
    movingSeconds: Math.round(elapsed),
    distanceMeters: Math.round(distance * 10) / 10,
    ...(hr.length > 0
      ? {
          averageHeartRate: Math.round(hr.reduce((a, b) => a + b, 0) / hr.length),
          maxHeartRate: Math.max(...hr),
        }
      : {}),
    indoor: false,
    track,
  };
}

function fromTcx(xml: string): FileSession {
  const tcx = parseTcx(xml);
  const laps = tcx.laps;
  if (laps.length === 0) throw new FileError('the TCX file holds no lap');
  const start = laps[0].startTime;
  const elapsed = laps.reduce((sum, l) => sum + l.totalTimeSeconds, 0);
  const track: TrackPoint[] = laps.flatMap((l) =>
    l.points.map((p) => ({
      time: iso(p.time),
      ...(p.lat !== undefined && p.lng !== undefined ? { lat: p.lat, lng: p.lng } : {}),
      ...optional('altitudeMeters', p.altitude),
      ...optional('heartRate', p.heartRate),
      ...optional('distanceMeters', p.distance),
    })),
  );
  const kind: ActivityKind = tcx.sport === 'Running' ? 'RUN' : tcx.sport === 'Biking' ? 'RIDE' : 'WORKOUT';
  const maxHr = Math.max(0, ...laps.map((l) => l.maxHeartRate ?? 0));
  return {
    kind,
    name: KIND_NAMES[kind],
    ...(tcx.notes ? { notes: tcx.notes } : {}),
    start: iso(start),
    end: iso(new Date(start.getTime() + elapsed * 1000)),
    startUtcOffsetSeconds: 0,
    endUtcOffsetSeconds: 0,
    elapsedSeconds: Math.round(elapsed),
    movingSeconds: Math.round(elapsed),
    distanceMeters: laps.reduce((sum, l) => sum + l.distanceMeters, 0),
    energyKcal: laps.reduce((sum, l) => sum + l.calories, 0),
    ...optional('averageHeartRate', laps[0].averageHeartRate),
    ...(maxHr > 0 ? { maxHeartRate: maxHr } : {}),
    indoor: !track.some((p) => p.lat !== undefined),
    ...(track.length > 0 ? { track } : {}),
  };
}

/** What a session without a name of its own is called, by kind. */
export const KIND_NAMES: Record<ActivityKind, string> = {
  RUN: 'Run',
  RIDE: 'Ride',
  WALK: 'Walk',
  HIKE: 'Hike',
  SWIM: 'Swim',
  YOGA: 'Yoga',
  PILATES: 'Pilates',
  STRENGTH: 'Strength training',
  WEIGHTLIFTING: 'Weightlifting',
  HIIT: 'HIIT',
  WORKOUT: 'Workout',
  OTHER: 'Workout',
};

/** FIT profile sport and sub-sport to a kind. */
function fitKind(sport: string | undefined, subSport: string | undefined): ActivityKind {
  switch (sport) {
    case 'running':
      return 'RUN';
    case 'cycling':
      return 'RIDE';
    case 'walking':
      return 'WALK';
    case 'hiking':
      return 'HIKE';
    case 'swimming':
      return 'SWIM';
    case 'hiit':
      return 'HIIT';
    case 'training':
      return subSport === 'yoga'
        ? 'YOGA'
        : subSport === 'pilates'
          ? 'PILATES'
          : subSport === 'strengthTraining'
            ? 'STRENGTH'
            : 'WORKOUT';
    default:
      return 'WORKOUT';
  }
}

/**
 * An activity type written as text to a kind: a GPX track's `<type>` ("running", "cycling", "9", …),
 * a Strava export's `Activity Type` ("Run", "Trail Run", "Weight Training", …).
 */
export function kindOfText(type: string | undefined): ActivityKind {
  const t = String(type ?? '')
    .toLowerCase()
    .replace(/[\s_-]/g, '');
  if (/run/.test(t)) return 'RUN';
  if (/ride|cycl|bik/.test(t)) return 'RIDE';
  if (/walk/.test(t)) return 'WALK';
  if (/hik/.test(t)) return 'HIKE';
  if (/swim/.test(t)) return 'SWIM';
  if (t === 'yoga') return 'YOGA';
  if (t === 'pilates') return 'PILATES';
  if (t === 'weighttraining') return 'STRENGTH';
  if (/highintensity|hiit/.test(t)) return 'HIIT';
  return 'WORKOUT';
}

/**
 * A GPX text field with the five XML entities decoded (the parser expands no entities: a DOCTYPE's
 * own entities could be a "billion laughs").
 */
const text = (value: unknown): string =>
  String(value ?? '')
    .trim()
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
const iso = (d: Date): string => d.toISOString().replace('.000Z', 'Z');
const quarterHours = (seconds: number): number => Math.round(seconds / 900) * 900;
/** `{ [key]: value }`, or nothing for a missing (or NaN) value: a session's optional numbers. */
export function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined || Number.isNaN(value) ? {} : ({ [key]: value } as Record<K, number>);
}
