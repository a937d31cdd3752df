import type { ActivityKind, CanonicalSession } from '../canonical/canonical-session.js';

/**
 * When two activities are the same workout. Pure: no I/O, no clock. Used for source records against
 * what the destination already holds, and for source records against each other (two devices, one
 * workout).
 */

/**
 * Starts this close are the same workout when the intervals also overlap enough: two devices (or an
 * upload and a sync) rarely start their clocks more than a minute or two apart; the best-known open
 * tool in this field uses 3 minutes as well.
 */
export const START_TOLERANCE_SECONDS = 3 * 60;
/**
 * With close starts, the overlap (intersection over the longer interval) must reach this: one device
 * may be stopped late (a 60-min run recorded as 110 min still overlaps 0.55), but a short workout
 * starting with a long one (a 20-min walk at the start of a 3-h ride) does not.
 */
export const MIN_OVERLAP_WITH_CLOSE_START = 0.5;
/**
 * Without close starts, the intervals must nearly coincide: a watch started 5 minutes late on a
 * 60-min run overlaps 0.92; two 60-min runs 20 minutes apart overlap 0.67, half-overlapping ones 0.5.
 */
export const MIN_OVERLAP_ALONE = 0.8;
/**
 * Time-zone bugs (local time stored as UTC, a device that missed a DST change, a wrong zone) shift a
 * whole activity by a multiple of 30 minutes (half-hour zones such as India's exist). The largest
 * offset apart two zones can put the same wall clock is 26 h (UTC-12 to UTC+14). A shift that is not
 * a whole number of hours is only believed when one side was recorded in a half-hour zone: otherwise
 * two equal workouts 30 minutes apart (half-overlapping) would pass for one.
 */
export const ZONE_SHIFT_STEP_SECONDS = 30 * 60;
export const MAX_ZONE_SHIFT_SECONDS = 26 * 3600;
/** After removing a zone shift the starts must agree to the minute (clocks differ by seconds). */
export const SHIFTED_START_TOLERANCE_SECONDS = 60;
/**
 * A shifted candidate must match on everything else, since starts alone no longer tell it apart from
 * a second workout hours later: duration within 2 % (at least 60 s) and distance, when both have
 * one, within 2 % (at least 50 m, GPS vs. pedometer rounding).
 */
export const SHIFTED_DURATION_TOLERANCE = { ratio: 0.02, seconds: 60 };
export const SHIFTED_DISTANCE_TOLERANCE = { ratio: 0.02, meters: 50 };
/**
 * How far around a chunk's window the destination is read so that shifted or early copies of its
 * workouts are seen: the largest zone shift plus a day for a workout that starts before midnight.
 */
export const DESTINATION_WINDOW_MARGIN_SECONDS = MAX_ZONE_SHIFT_SECONDS + 24 * 3600;

/**
 * Sport families: labels that providers use for the same workout (a ride filed as a mountain-bike
 * ride, a walk filed as a hike or a slow run). Provider variants (MountainBikeRide, TrailRun)
 * already collapse into one kind when mapped. Anything else must be the same kind.
 */
const FAMILIES: ActivityKind[][] = [
  ['RIDE'],
  ['RUN', 'WALK', 'HIKE'],
  ['STRENGTH', 'WEIGHTLIFTING', 'WORKOUT', 'HIIT'],
  ['YOGA', 'PILATES'],
];

export function compatibleKinds(a: ActivityKind, b: ActivityKind): boolean {
  if (a === b) return true;
  return FAMILIES.some((family) => family.includes(a) && family.includes(b));
}

/** What the matcher needs of an activity, on either side. Times in epoch milliseconds. */
export interface ActivityFacts {
  id: string;
  kind: ActivityKind;
  start: number;
  end: number;
  distanceMeters?: number;
  /** The athlete's clock offset from UTC at the start, when known. */
  utcOffsetSeconds?: number;
}

export interface Match {
  /** The candidate's id. */
  id: string;
  /** Candidate start minus source start, in seconds, when a zone shift was removed; else 0. */
  shiftSeconds: number;
  /** Higher is a better match: unshifted above shifted, then by overlap. */
  score: number;
}

export function factsOf(session: CanonicalSession & { source: { id: string } }): ActivityFacts {
  return {
    id: session.source.id,
    kind: session.kind,
    start: Date.parse(session.start),
    end: Date.parse(session.end),
    ...(session.distanceMeters ? { distanceMeters: session.distanceMeters } : {}),
    utcOffsetSeconds: session.startUtcOffsetSeconds,
  };
}

/** Intersection of [a.start, a.end] and [b.start + shift, b.end + shift] over the longer of the two. */
function overlap(a: ActivityFacts, b: ActivityFacts, shiftMs = 0): number {
  const longer = Math.max(a.end - a.start, b.end - b.start);
  if (longer <= 0) return a.start === b.start - shiftMs ? 1 : 0;
  const inter = Math.min(a.end, b.end - shiftMs) - Math.max(a.start, b.start - shiftMs);
  return Math.max(0, inter) / longer;
}

const within = (x: number, y: number, ratio: number, floor: number) =>
  Math.abs(x - y) <= Math.max(floor, ratio * Math.max(x, y));

const halfHourZone = (a: ActivityFacts) =>
  a.utcOffsetSeconds !== undefined && a.utcOffsetSeconds % 3600 !== 0;

/** Whether `candidate` is the same workout as `source`, and how well; undefined when not. */
export function matchActivity(source: ActivityFacts, candidate: ActivityFacts): Match | undefined {
  if (!compatibleKinds(source.kind, candidate.kind)) return undefined;
  const deltaSeconds = (candidate.start - source.start) / 1000;
  const direct = overlap(source, candidate);
  if (
    (Math.abs(deltaSeconds) <= START_TOLERANCE_SECONDS && direct >= MIN_OVERLAP_WITH_CLOSE_START) ||
    direct >= MIN_OVERLAP_ALONE
  ) {
    return { id: candidate.id, shiftSeconds: 0, score: 2 + direct };
  }
  const shift = Math.round(deltaSeconds / ZONE_SHIFT_STEP_SECONDS) * ZONE_SHIFT_STEP_SECONDS;
  if (shift === 0 || Math.abs(shift) > MAX_ZONE_SHIFT_SECONDS) return undefined;
  if (Math.abs(deltaSeconds - shift) > SHIFTED_START_TOLERANCE_SECONDS) return undefined;
  if (shift % 3600 !== 0 && !halfHourZone(source) && !halfHourZone(candidate)) return undefined;
  const [d1, d2] = [(source.end - source.start) / 1000, (candidate.end - candidate.start) / 1000];
  if (!within(d1, d2, SHIFTED_DURATION_TOLERANCE.ratio, SHIFTED_DURATION_TOLERANCE.seconds)) return undefined;
  if (
    source.distanceMeters &&
    candidate.distanceMeters &&
    !within(
      source.distanceMeters,
      candidate.distanceMeters,
      SHIFTED_DISTANCE_TOLERANCE.ratio,
      SHIFTED_DISTANCE_TOLERANCE.meters,
    )
  )
    return undefined;
  return { id: candidate.id, shiftSeconds: shift, score: 1 + overlap(source, candidate, shift * 1000) };
}

/**
 * Pairs sources with candidates one to one, best matches first: a destination activity stands for at
 * most one source workout, so of two back-to-back equal runs the exact copy is claimed by its own
 * source and cannot also swallow the other one as a "+1 h" copy. `taken` holds candidate ids already
 * paired (earlier pages of the same chunk); it is updated.
 */
export function assignMatches(
  sources: ActivityFacts[],
  candidates: ActivityFacts[],
  taken: Set<string> = new Set(),
): Map<string, Match> {
  const pairs: Array<{ source: string; match: Match }> = [];
  for (const source of sources)
    for (const candidate of candidates) {
      if (taken.has(candidate.id)) continue;
      const match = matchActivity(source, candidate);
      if (match) pairs.push({ source: source.id, match });
    }
  pairs.sort((a, b) => b.match.score - a.match.score || a.source.localeCompare(b.source));
  const result = new Map<string, Match>();
  for (const { source, match } of pairs) {
    if (result.has(source) || taken.has(match.id)) continue;
    result.set(source, match);
    taken.add(match.id);
  }
  return result;
}

/** How much a session carries: a GPS track, heart rate, a distance, then the most track points. */
export function richness(s: CanonicalSession): number {
  const gps = s.track?.some((p) => p.lat !== undefined) ? 1 : 0;
  const hr = s.track?.some((p) => p.heartRate !== undefined) || s.averageHeartRate !== undefined ? 1 : 0;
  return gps * 1e9 + hr * 1e8 + (s.distanceMeters ? 1e7 : 0) + Math.min(s.track?.length ?? 0, 1e7 - 1);
}

/**
 * Groups sessions that are the same workout (two devices), keeping the richest of each group (ties:
 * the smaller source id, so reruns decide the same). Returns, for each merged-away session id, the
 * id of the session kept in its place. Only unshifted matches: within one source, a zone-shifted
 * twin is far more likely a second workout than a bug.
 */
export function mergeSourceDuplicates(sessions: CanonicalSession[]): Map<string, string> {
  const order = [...sessions].sort(
    (a, b) => richness(b) - richness(a) || a.source.id.localeCompare(b.source.id),
  );
  const mergedInto = new Map<string, string>();
  const kept: CanonicalSession[] = [];
  for (const session of order) {
    const facts = factsOf(session);
    const twin = kept.find((k) => {
      const match = matchActivity(factsOf(k), facts);
      return match !== undefined && match.shiftSeconds === 0;
    });
    if (twin) mergedInto.set(session.source.id, twin.source.id);
    else kept.push(session);
  }
  return mergedInto;
}
