import { civilDateTime } from '../../common/time-zone.js';
import type { SimSession } from '../data/account.js';
import type { SimSport } from '../data/sports.js';
import { omitDefaults } from './proto-json.js';

/** Google Health API v4 DataPoint (exercise), as the API returns it. */
export interface GoogleDataPoint {
  name: string;
  dataSource: Record<string, unknown>;
  exercise: Record<string, unknown> & {
    displayName: string;
    exerciseType: string;
    interval: {
      startTime: string;
      endTime: string;
      startUtcOffset: string;
      endUtcOffset: string;
      [k: string]: unknown;
    };
  };
}

export const EXERCISE_TYPES: Record<SimSport, string> = {
  RUN: 'RUNNING',
  RIDE: 'BIKING',
  WALK: 'WALKING',
  HIKE: 'HIKING',
  SWIM: 'SWIMMING',
  YOGA: 'YOGA',
  WEIGHTS: 'STRENGTH_TRAINING',
  HIIT: 'HIIT',
  WORKOUT: 'WORKOUT',
  PILATES: 'PILATES',
};

export const duration = (seconds: number): string => `${Math.round(seconds)}s`;
export const rfc3339 = (d: Date): string => d.toISOString().replace('.000Z', 'Z');

/** A CivilDateTime object from a civil 'YYYY-MM-DDTHH:mm:ss'. */
export function civilObject(civil: string) {
  const [date, time] = civil.split('T');
  const [year, month, day] = date.split('-').map(Number);
  const [hours, minutes, seconds] = time.split(':').map(Number);
  return { date: { year, month, day }, time: { hours, minutes, seconds } };
}

/** The API's JSON for a simulated session (proto3 JSON: fields at their default are left out). */
export function sessionToDataPoint(userId: string, id: string, s: SimSession): GoogleDataPoint {
  return omitDefaults(dataPointOf(userId, id, s));
}

function dataPointOf(userId: string, id: string, s: SimSession): GoogleDataPoint {
  const end = new Date(s.start.getTime() + s.elapsedSeconds * 1000);
  const distance = s.distanceMeters > 0;
  const steps = ['RUN', 'WALK', 'HIKE'].includes(s.sport)
    ? Math.round(s.distanceMeters / (s.sport === 'RUN' ? 1.1 : 0.75))
    : undefined;
  return {
    name: `users/${userId}/dataTypes/exercise/dataPoints/${id}`,
    dataSource: {
      recordingMethod: 'ACTIVELY_MEASURED',
      device: { displayName: 'Pixel Watch 3', formFactor: 'WATCH', manufacturer: 'Google' },
      platform: 'FITBIT',
    },
    exercise: {
      displayName: s.name,
      exerciseType: EXERCISE_TYPES[s.sport],
      interval: {
        startTime: rfc3339(s.start),
        startUtcOffset: duration(s.startUtcOffset),
        endTime: rfc3339(end),
        endUtcOffset: duration(s.endUtcOffset),
        civilStartTime: civilObject(civilDateTime(s.start, s.startUtcOffset)),
        civilEndTime: civilObject(civilDateTime(end, s.endUtcOffset)),
      },
      activeDuration: duration(s.movingSeconds),
      metricsSummary: {
        caloriesKcal: s.calories,
        averageHeartRateBeatsPerMinute: String(s.averageHr),
        ...(distance
          ? {
              distanceMillimeters: Math.round(s.distanceMeters * 1000),
              averageSpeedMillimetersPerSecond:
                Math.round((s.distanceMeters / s.movingSeconds) * 1000 * 10) / 10,
              averagePaceSecondsPerMeter: Math.round((s.movingSeconds / s.distanceMeters) * 1000) / 1000,
            }
          : {}),
        ...(s.elevationGainMeters > 0 ? { elevationGainMillimeters: s.elevationGainMeters * 1000 } : {}),
        ...(steps ? { steps: String(steps) } : {}),
      },
      exerciseMetadata: { hasGps: s.hasGps },
      createTime: rfc3339(end),
      updateTime: rfc3339(end),
    },
  };
}

/** Civil start 'YYYY-MM-DDTHH:mm:ss' of a data point (its start time shifted by its start offset). */
export function civilStart(point: GoogleDataPoint): string {
  const { startTime, startUtcOffset } = point.exercise.interval;
  return civilDateTime(new Date(startTime), Number.parseFloat(startUtcOffset));
}

export type FilterClause = { field: 'civil_start_time' | 'start_time'; op: '>=' | '<'; value: string };

const CLAUSE = /^\s*exercise\.interval\.(civil_start_time|start_time)\s*(>=|<)\s*"([^"]*)"\s*$/;
const CIVIL = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?$/;

/** Parses the AIP-160 subset dataPoints.list accepts for exercise; throws a message on anything else. */
export function parseFilter(filter: string | undefined): FilterClause[] {
  if (!filter || filter.trim() === '') return [];
  return filter.split(/\s+AND\s+/).map((part) => {
    const match = CLAUSE.exec(part);
    if (!match) throw new Error(`Invalid filter: unsupported expression "${part.trim()}"`);
    const [, field, op, value] = match as unknown as [
      string,
      FilterClause['field'],
      FilterClause['op'],
      string,
    ];
    if (field === 'civil_start_time' && !CIVIL.test(value)) {
      throw new Error(`Invalid filter: "${value}" is not a date with optional time (YYYY-MM-DD[THH:mm:ss])`);
    }
    if (field === 'start_time' && Number.isNaN(Date.parse(value))) {
      throw new Error(`Invalid filter: "${value}" is not an RFC 3339 timestamp`);
    }
    return {
      field,
      op,
      value: field === 'civil_start_time' && value.length === 10 ? `${value}T00:00:00` : value,
    };
  });
}

export function matches(point: GoogleDataPoint, clauses: FilterClause[]): boolean {
  return clauses.every(({ field, op, value }) => {
    const actual =
      field === 'civil_start_time'
        ? civilStart(point)
        : new Date(point.exercise.interval.startTime).toISOString();
    const expected = field === 'civil_start_time' ? value : new Date(value).toISOString();
    return op === '>=' ? actual >= expected : actual < expected;
  });
}
