import { gunzipSync } from 'node:zlib';
import { Decoder, Stream } from '@garmin/fitsdk';
import { XMLParser } from 'fast-xml-parser';
import { parseTcx, TcxError } from '../../common/formats/tcx.js';
import type { SimTrackPoint } from '../data/track.js';
import { haversineMeters } from './polyline.js';

/** What the simulator reads out of an uploaded activity file. */
export interface ParsedActivity {
  sportType: string;
  trainer: boolean;
  start: Date;
  elapsedSeconds: number;
  movingSeconds: number;
  distanceMeters: number;
  calories: number;
  averageHr?: number;
  maxHr?: number;
  points: SimTrackPoint[];
  deviceName: string | null;
}

export class UploadError extends Error {}

export const DATA_TYPES = ['fit', 'fit.gz', 'tcx', 'tcx.gz', 'gpx', 'gpx.gz'] as const;

const SEMICIRCLE = 180 / 2 ** 31;

/** FIT sport/sub-sport to Strava sport type, and whether it was indoors. */
function fitSport(
  sport: string | undefined,
  subSport: string | undefined,
): { sportType: string; trainer: boolean } {
  const indoor = ['treadmill', 'indoorRunning', 'indoorCycling', 'spin', 'indoorWalking'].includes(
    subSport ?? '',
  );
  switch (sport) {
    case 'running':
      return {
        sportType: subSport === 'trail' ? 'TrailRun' : subSport === 'virtualActivity' ? 'VirtualRun' : 'Run',
        trainer: indoor,
      };
    case 'cycling':
      return {
        sportType:
          subSport === 'virtualActivity'
            ? 'VirtualRide'
            : subSport === 'mountain'
              ? 'MountainBikeRide'
              : subSport === 'gravelCycling'
                ? 'GravelRide'
                : 'Ride',
        trainer: indoor,
      };
    case 'walking':
      return { sportType: 'Walk', trainer: indoor };
    case 'hiking':
      return { sportType: 'Hike', trainer: false };
    case 'swimming':
      return { sportType: 'Swim', trainer: false };
    case 'hiit':
      return { sportType: 'HighIntensityIntervalTraining', trainer: false };
    case 'rowing':
      return { sportType: 'Rowing', trainer: false };
    case 'training':
      return {
        sportType:
          subSport === 'strengthTraining'
            ? 'WeightTraining'
            : subSport === 'yoga'
              ? 'Yoga'
              : subSport === 'pilates'
                ? 'Pilates'
                : 'Workout',
        trainer: false,
      };
    case 'fitnessEquipment':
      return {
        sportType:
          subSport === 'elliptical'
            ? 'Elliptical'
            : subSport === 'stairClimbing'
              ? 'StairStepper'
              : subSport === 'indoorRowing'
                ? 'Rowing'
                : 'Workout',
        trainer: true,
      };
    default:
      return { sportType: 'Workout', trainer: false };
  }
}

function parseFit(buffer: Buffer): ParsedActivity {
  const stream = Stream.fromBuffer(buffer);
  if (!Decoder.isFIT(stream)) throw new UploadError('Improperly formatted data.');
  const decoder = new Decoder(stream);
  if (!decoder.checkIntegrity()) throw new UploadError('Improperly formatted data.');
  const { messages } = decoder.read();
  const session = messages.sessionMesgs?.[0] as Record<string, unknown> | undefined;
  const records = (messages.recordMesgs ?? []) as Array<Record<string, unknown>>;
  if (!session?.startTime) throw new UploadError('Improperly formatted data.');
  const points = records
    .filter((r) => r.timestamp instanceof Date)
    .map((r) => ({
      time: r.timestamp as Date,
      ...(typeof r.positionLat === 'number' && typeof r.positionLong === 'number'
        ? { lat: (r.positionLat as number) * SEMICIRCLE, lng: (r.positionLong as number) * SEMICIRCLE }
        : {}),
      altitude: (r.enhancedAltitude ?? r.altitude) as number | undefined,
      distance: r.distance as number | undefined,
      heartRate: r.heartRate as number,
    }));
  const device = (messages.deviceInfoMesgs?.[0] as Record<string, unknown> | undefined)?.productName;
  return {
    ...fitSport(session.sport as string | undefined, session.subSport as string | undefined),
    start: session.startTime as Date,
    elapsedSeconds: Math.round(Number(session.totalElapsedTime ?? 0)),
    movingSeconds: Math.round(Number(session.totalTimerTime ?? session.totalElapsedTime ?? 0)),
    distanceMeters: Number(session.totalDistance ?? 0),
    calories: Number(session.totalCalories ?? 0),
    averageHr: session.avgHeartRate as number | undefined,
    maxHr: session.maxHeartRate as number | undefined,
    points,
    deviceName: typeof device === 'string' ? device : null,
  };
}

function parseTcxUpload(xml: string): ParsedActivity {
  try {
    const tcx = parseTcx(xml);
    const lap = tcx.laps[0];
    const elapsed = tcx.laps.reduce((sum, l) => sum + l.totalTimeSeconds, 0);
    return {
      sportType: tcx.sport === 'Running' ? 'Run' : tcx.sport === 'Biking' ? 'Ride' : 'Workout',
      trainer: tcx.laps.every((l) => l.points.every((p) => p.lat === undefined)),
      start: lap.startTime,
      elapsedSeconds: Math.round(elapsed),
      movingSeconds: Math.round(elapsed),
      distanceMeters: tcx.laps.reduce((sum, l) => sum + l.distanceMeters, 0),
      calories: tcx.laps.reduce((sum, l) => sum + l.calories, 0),
      averageHr: lap.averageHeartRate,
      maxHr: lap.maxHeartRate,
      points: tcx.laps.flatMap((l) => l.points.map((p) => ({ ...p, heartRate: p.heartRate ?? 0 }))),
      deviceName: tcx.creator ?? null,
    };
  } catch (error) {
    if (error instanceof TcxError) throw new UploadError('Improperly formatted data.');
    throw error;
  }
}

const gpxParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  isArray: (n) => ['trk', 'trkseg', 'trkpt'].includes(n),
});

function parseGpx(xml: string): ParsedActivity {
  interface GpxPoint {
    '@lat': string;
    '@lon': string;
    time: string;
    ele?: string;
    extensions?: { TrackPointExtension?: { hr?: string } };
  }
  type GpxTrack = { type?: string; trkseg?: Array<{ trkpt?: GpxPoint[] }> };
  let doc: { gpx?: { trk?: GpxTrack[] } };
  try {
    doc = gpxParser.parse(xml, true);
  } catch {
    throw new UploadError('Improperly formatted data.');
  }
  const trk = doc.gpx?.trk?.[0];
  const raw: SimTrackPoint[] = (trk?.trkseg ?? []).flatMap((seg) =>
    (seg.trkpt ?? []).map((p) => ({
      time: new Date(p.time),
      lat: Number(p['@lat']),
      lng: Number(p['@lon']),
      altitude: p.ele === undefined ? undefined : Number(p.ele),
      heartRate: Number(p.extensions?.TrackPointExtension?.hr ?? 0),
    })),
  );
  if (raw.length === 0 || raw.some((p) => Number.isNaN(p.time.getTime())))
    throw new UploadError('Improperly formatted data.');
  // GPX carries no distance: Strava derives it from the positions
  let distance = 0;
  const points = raw.map((p, i) => {
    if (i > 0)
      distance += haversineMeters(
        raw[i - 1] as { lat: number; lng: number },
        p as { lat: number; lng: number },
      );
    return { ...p, distance: Math.round(distance * 10) / 10 };
  });
  const elapsed = Math.round((points.at(-1)!.time.getTime() - points[0].time.getTime()) / 1000);
  const type = String(trk?.type ?? '').toLowerCase();
  return {
    sportType: type.includes('run')
      ? 'Run'
      : type.includes('hik')
        ? 'Hike'
        : type.includes('walk')
          ? 'Walk'
          : 'Ride',
    trainer: false,
    start: points[0].time,
    elapsedSeconds: elapsed,
    movingSeconds: elapsed,
    distanceMeters: Math.round(distance * 10) / 10,
    calories: 0,
    points,
    deviceName: null,
  };
}

/** Reads an uploaded file by its data_type; throws {@link UploadError} with Strava's wording. */
export function parseUpload(dataType: string, file: Buffer): ParsedActivity {
  if (file.length === 0) throw new UploadError('The file is empty.');
  let data = file;
  if (dataType.endsWith('.gz')) {
    try {
      data = gunzipSync(file);
    } catch {
      throw new UploadError('Improperly formatted data.');
    }
  }
  if (dataType.startsWith('fit')) return parseFit(data);
  if (dataType.startsWith('tcx')) return parseTcxUpload(data.toString('utf8').trim());
  return parseGpx(data.toString('utf8'));
}
