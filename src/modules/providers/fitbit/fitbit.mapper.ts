import { parseTcx, type TcxActivity } from '../../../common/formats/tcx.js';
import type { CanonicalSession, SourceRecord, TrackPoint } from '../canonical/canonical-session.js';
import { kindFromGoogle, kindToGoogle } from './fitbit.activity-kinds.js';
import type { ActivityFacts } from '../dedup/duplicate-matcher.js';

/** The parts of a Google Health exercise DataPoint the product reads. */
export interface GoogleExercisePoint {
  name?: string;
  exercise?: {
    displayName?: string;
    exerciseType?: string;
    notes?: string;
    interval?: { startTime?: string; endTime?: string; startUtcOffset?: string; endUtcOffset?: string };
    activeDuration?: string;
    metricsSummary?: {
      caloriesKcal?: number;
      distanceMillimeters?: number;
      averageHeartRateBeatsPerMinute?: string;
      elevationGainMillimeters?: number;
    };
    exerciseMetadata?: { hasGps?: boolean };
  };
}

const seconds = (duration: string | undefined): number | undefined => {
  const match = /^(-?\d+(?:\.\d+)?)s$/.exec(duration ?? '');
  return match ? Number(match[1]) : undefined;
};
const duration = (s: number) => `${Math.round(s)}s`;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export const pointId = (point: GoogleExercisePoint): string => point.name?.split('/').at(-1) ?? '';
export const hasGps = (point: GoogleExercisePoint): boolean =>
  point.exercise?.exerciseMetadata?.hasGps === true;

function trackFromTcx(tcx: TcxActivity): TrackPoint[] {
  return tcx.laps.flatMap((lap) =>
    lap.points.map((p) => ({
      time: p.time.toISOString(),
      ...(p.lat !== undefined && p.lng !== undefined ? { lat: p.lat, lng: p.lng } : {}),
      ...(p.altitude !== undefined ? { altitudeMeters: p.altitude } : {}),
      ...(p.heartRate !== undefined ? { heartRate: p.heartRate } : {}),
      ...(p.distance !== undefined ? { distanceMeters: p.distance } : {}),
    })),
  );
}

/** A Google exercise (and its exported TCX, for sessions with GPS) as a canonical session. */
export function fromGooglePoint(point: GoogleExercisePoint, tcxXml?: string): SourceRecord {
  const id = pointId(point);
  const x = point.exercise;
  const interval = x?.interval;
  const start = Date.parse(interval?.startTime ?? '');
  const end = Date.parse(interval?.endTime ?? '');
  const startOffset = seconds(interval?.startUtcOffset);
  const endOffset = seconds(interval?.endUtcOffset);
  if (
    !x ||
    !Number.isFinite(start) ||
    !Number.isFinite(end) ||
    startOffset === undefined ||
    endOffset === undefined
  ) {
    return { id, invalid: 'the exercise has no valid interval (start, end and UTC offsets)' };
  }
  let track: TrackPoint[] | undefined;
  let maxHeartRate: number | undefined;
  if (tcxXml !== undefined) {
    try {
      const tcx = parseTcx(tcxXml);
      track = trackFromTcx(tcx);
      maxHeartRate = tcx.laps[0]?.maxHeartRate;
    } catch (error) {
      return { id, invalid: `the exported TCX is not valid: ${(error as Error).message}` };
    }
  }
  const m = x.metricsSummary ?? {};
  const elapsed = (end - start) / 1000;
  return {
    id,
    session: {
      source: { provider: 'fitbit', id },
      kind: kindFromGoogle(x.exerciseType),
      name: x.displayName?.trim() || 'Workout',
      ...(x.notes ? { notes: x.notes } : {}),
      start: iso(start),
      end: iso(end),
      startUtcOffsetSeconds: startOffset,
      endUtcOffsetSeconds: endOffset,
      elapsedSeconds: elapsed,
      movingSeconds: seconds(x.activeDuration) ?? elapsed,
      ...(m.distanceMillimeters !== undefined ? { distanceMeters: m.distanceMillimeters / 1000 } : {}),
      ...(m.caloriesKcal !== undefined ? { energyKcal: m.caloriesKcal } : {}),
      ...(m.elevationGainMillimeters !== undefined
        ? { elevationGainMeters: m.elevationGainMillimeters / 1000 }
        : {}),
      ...(m.averageHeartRateBeatsPerMinute !== undefined
        ? { averageHeartRate: Number(m.averageHeartRateBeatsPerMinute) }
        : {}),
      ...(maxHeartRate !== undefined ? { maxHeartRate } : {}),
      indoor: !hasGps(point),
      ...(track && track.length > 0 ? { track } : {}),
    },
  };
}

/** A listed exercise as the duplicate matcher sees it; undefined without a usable interval. */
export function googleFacts(point: GoogleExercisePoint): ActivityFacts | undefined {
  const x = point.exercise;
  const start = Date.parse(x?.interval?.startTime ?? '');
  const end = Date.parse(x?.interval?.endTime ?? '');
  if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) return undefined;
  const distance = x?.metricsSummary?.distanceMillimeters;
  const offset = seconds(x?.interval?.startUtcOffset);
  return {
    id: pointId(point),
    kind: kindFromGoogle(x?.exerciseType),
    start,
    end,
    ...(distance ? { distanceMeters: distance / 1000 } : {}),
    ...(offset !== undefined ? { utcOffsetSeconds: offset } : {}),
  };
}

/** The dataPoints.create body for a canonical session, under the client-provided id `key`. */
export function toGooglePoint(s: CanonicalSession, key: string) {
  const speed =
    s.distanceMeters !== undefined && s.movingSeconds > 0
      ? (s.distanceMeters / s.movingSeconds) * 1000
      : undefined;
  return {
    name: `users/me/dataTypes/exercise/dataPoints/${key}`,
    dataSource: { recordingMethod: 'ACTIVELY_MEASURED' },
    exercise: {
      displayName: s.name,
      exerciseType: kindToGoogle(s.kind),
      interval: {
        startTime: s.start,
        startUtcOffset: duration(s.startUtcOffsetSeconds),
        endTime: s.end,
        endUtcOffset: duration(s.endUtcOffsetSeconds),
      },
      activeDuration: duration(s.movingSeconds),
      metricsSummary: {
        ...(s.energyKcal !== undefined ? { caloriesKcal: s.energyKcal } : {}),
        ...(s.distanceMeters !== undefined
          ? { distanceMillimeters: Math.round(s.distanceMeters * 1000) }
          : {}),
        ...(speed !== undefined ? { averageSpeedMillimetersPerSecond: Math.round(speed * 10) / 10 } : {}),
        ...(s.averageHeartRate !== undefined
          ? { averageHeartRateBeatsPerMinute: String(Math.round(s.averageHeartRate)) }
          : {}),
        ...(s.elevationGainMeters !== undefined
          ? { elevationGainMillimeters: Math.round(s.elevationGainMeters * 1000) }
          : {}),
      },
      exerciseMetadata: { hasGps: Boolean(s.track?.some((p) => p.lat !== undefined)) },
      ...(s.notes ? { notes: s.notes } : {}),
    },
  };
}
