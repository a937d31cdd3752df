import type { ProviderName } from '../../../database/schema.js';

/** Every kind of exercise a session can be, independent of any provider's vocabulary. */
export const ACTIVITY_KINDS = [
  'RUN',
  'RIDE',
  'WALK',
  'HIKE',
  'SWIM',
  'YOGA',
  'PILATES',
  'STRENGTH',
  'WEIGHTLIFTING',
  'HIIT',
  'WORKOUT',
  'OTHER',
] as const;

/** What kind of exercise a session is, independent of any provider's vocabulary. */
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

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

/**
 * A record whose own read kept failing (5xx, timeouts) while its provider answered the other
 * requests: a record fault, retried on the record's budget, never the whole sync's.
 */
export interface FaultedRead {
  provider: ProviderName;
  /** `GET /path` of the failing request, and its last HTTP status (null: a timeout, a dropped connection). */
  request: string;
  status: number | null;
  /** What the summary said, for the import report. */
  start?: string;
  kind?: ActivityKind;
}

/** A source record: a session, the reason it could not be turned into one, or a read that keeps failing. */
export type SourceRecord =
  | { id: string; session: CanonicalSession }
  | { id: string; invalid: string }
  | { id: string; fault: FaultedRead };

/**
 * The summary-only record (no detail read) turned into a faulted read, when the error is a record
 * fault (ProviderUnavailableError with `requestFault`); undefined for any other error.
 */
export function faultedRead(
  summary: SourceRecord,
  error: unknown,
  provider: ProviderName,
): SourceRecord | undefined {
  const fault = (error as { requestFault?: { request: string; status: number | null } }).requestFault;
  if (!fault || (error as { kind?: string }).kind !== 'transient') return undefined;
  const session = 'session' in summary ? summary.session : undefined;
  return {
    id: summary.id,
    fault: { provider, ...fault, start: session?.start, kind: session?.kind },
  };
}

/** Local wall-clock time of an instant at an offset, as 'YYYY-MM-DDTHH:mm:ss'. */
export function localTime(instant: string, offsetSeconds: number): string {
  return new Date(Date.parse(instant) + offsetSeconds * 1000).toISOString().slice(0, 19);
}
