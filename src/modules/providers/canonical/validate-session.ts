import type { CanonicalSession } from './canonical-session.js';

const MAX_SPEED_MPS: Record<string, number> = { RUN: 12, WALK: 4, HIKE: 4, SWIM: 4, RIDE: 35 };
const DAY = 86_400;

/**
 * Plausibility checks before anything is written (PRD R-73: no silent corruption). Returns the
 * reasons the session must be skipped; empty when it is fit to write.
 */
export function validateSession(s: CanonicalSession): string[] {
  const problems: string[] = [];
  const start = Date.parse(s.start);
  const end = Date.parse(s.end);
  if (!Number.isFinite(start)) problems.push('start is not a timestamp');
  if (!Number.isFinite(end)) problems.push('end is not a timestamp');
  if (Number.isFinite(start) && Number.isFinite(end) && end <= start) problems.push('end is not after start');
  if (Number.isFinite(start) && start > Date.now() + 3600_000) problems.push('start is in the future');
  if (!(s.elapsedSeconds > 0) || s.elapsedSeconds > 2 * DAY)
    problems.push(`elapsed time ${s.elapsedSeconds}s is out of range`);
  if (!(s.movingSeconds >= 0) || s.movingSeconds > s.elapsedSeconds + 60)
    problems.push('moving time exceeds elapsed time');
  for (const offset of [s.startUtcOffsetSeconds, s.endUtcOffsetSeconds]) {
    if (!Number.isInteger(offset) || Math.abs(offset) > 18 * 3600)
      problems.push(`UTC offset ${offset}s is out of range`);
  }
  if (s.distanceMeters !== undefined) {
    if (!(s.distanceMeters >= 0) || !Number.isFinite(s.distanceMeters))
      problems.push('distance is negative or not a number');
    const limit = MAX_SPEED_MPS[s.kind] ?? 35;
    if (s.movingSeconds > 0 && s.distanceMeters / s.movingSeconds > limit)
      problems.push(`average speed is implausible for ${s.kind}`);
  }
  if (s.energyKcal !== undefined && !(s.energyKcal >= 0 && s.energyKcal < 20_000))
    problems.push('energy is out of range');
  for (const hr of [s.averageHeartRate, s.maxHeartRate]) {
    if (hr !== undefined && !(hr >= 20 && hr <= 250)) problems.push(`heart rate ${hr} is out of range`);
  }
  if (!s.name?.trim()) problems.push('name is empty');
  if (s.track) problems.push(...validateTrack(s, start, end));
  return problems;
}

function validateTrack(s: CanonicalSession, start: number, end: number): string[] {
  let previous = -Infinity;
  for (const [i, p] of s.track!.entries()) {
    const t = Date.parse(p.time);
    if (!Number.isFinite(t)) return [`track point ${i} has no valid time`];
    if (t < previous) return [`track point ${i} goes back in time`];
    if (t < start - 60_000 || t > end + 60_000) return [`track point ${i} lies outside the session`];
    if (p.lat !== undefined && !(Math.abs(p.lat) <= 90 && Math.abs(p.lng ?? NaN) <= 180))
      return [`track point ${i} has an invalid position`];
    if (p.heartRate !== undefined && !(p.heartRate >= 0 && p.heartRate <= 250))
      return [`track point ${i} has an invalid heart rate`];
    previous = t;
  }
  return [];
}
