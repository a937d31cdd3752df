import type { ProviderName } from '../../../database/schema.js';

/** What kind of exercise a session is, independent of any provider's vocabulary. */
export type ActivityKind =
  | 'RUN'
  | 'RIDE'
  | 'WALK'
  | 'HIKE'
  | 'SWIM'
  | 'YOGA'
  | 'PILATES'
  | 'STRENGTH'
  | 'WEIGHTLIFTING'
  | 'HIIT'
  | 'WORKOUT'
  | 'OTHER';

export interface TrackPoint {
  /** RFC 3339 UTC. */
  time: string;
  lat?: number;
  lng?: number;
  altitudeMeters?: number;
  heartRate?: number;
  distanceMeters?: number;
}

/**
 * One exercise session, as the product moves it between providers. Times are UTC instants with the
 * UTC offsets the athlete's clock had at start and end.
 */
export interface CanonicalSession {
  source: { provider: ProviderName; id: string };
  kind: ActivityKind;
  name: string;
  notes?: string;
  start: string;
  end: string;
  startUtcOffsetSeconds: number;
  endUtcOffsetSeconds: number;
  elapsedSeconds: number;
  movingSeconds: number;
  distanceMeters?: number;
  energyKcal?: number;
  elevationGainMeters?: number;
  averageHeartRate?: number;
  maxHeartRate?: number;
  /** Recorded indoors (treadmill, trainer, pool, gym): no GPS. */
  indoor: boolean;
  track?: TrackPoint[];
}

/** A source record: a session, or the reason it could not be turned into one. */
export type SourceRecord = { id: string; session: CanonicalSession } | { id: string; invalid: string };

/** Local wall-clock time of an instant at an offset, as 'YYYY-MM-DDTHH:mm:ss'. */
export function localTime(instant: string, offsetSeconds: number): string {
  return new Date(Date.parse(instant) + offsetSeconds * 1000).toISOString().slice(0, 19);
}
