import type { ActivityKind, CanonicalSession } from '../canonical/canonical-session.js';
import {
  assignMatches,
  compatibleKinds,
  matchActivity,
  mergeSourceDuplicates,
  type ActivityFacts,
} from './duplicate-matcher.js';

const T0 = Date.parse('2026-05-10T07:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

const act = (
  id: string,
  kind: ActivityKind,
  startOffsetMs: number,
  minutes: number,
  distanceMeters?: number,
): ActivityFacts => ({
  id,
  kind,
  start: T0 + startOffsetMs,
  end: T0 + startOffsetMs + minutes * MIN,
  ...(distanceMeters ? { distanceMeters } : {}),
});

describe('matchActivity', () => {
  const run = act('src', 'RUN', 0, 60, 10_000);
  it.each<[string, ActivityFacts, ActivityFacts, number | null]>([
    ['exact copy', run, act('d', 'RUN', 0, 60, 10_000), 0],
    ['started 59 s later', run, act('d', 'RUN', 59_000, 60, 10_010), 0],
    ['shifted by 2 min', run, act('d', 'RUN', 2 * MIN, 59, 9_980), 0],
    ['exactly +1 h (DST / zone bug)', run, act('d', 'RUN', HOUR, 60, 10_000), 3600],
    ['exactly -1 h', run, act('d', 'RUN', -HOUR, 60, 10_000), -3600],
    [
      '+5 h 30 min, recorded in a half-hour zone',
      { ...run, utcOffsetSeconds: 19_800 },
      act('d', 'RUN', 5.5 * HOUR + 20_000, 60, 10_000),
      19_800,
    ],
    ['+30 min without a half-hour zone', run, act('d', 'RUN', 30 * MIN, 60, 10_000), null],
    ['compatible label: run filed as a walk', run, act('d', 'WALK', 30_000, 60, 10_000), 0],
    ['watch started 5 min late, same end', run, act('d', 'RUN', 5 * MIN, 55, 9_200), 0],
    ['watch stopped late (60 vs 110 min, same start)', run, act('d', 'RUN', 0, 110, 10_400), 0],
    ['different sport (ride vs run)', run, act('d', 'RIDE', 0, 60, 10_000), null],
    ['half-overlap (starts 30 min apart)', run, act('d', 'RUN', 30 * MIN, 60, 10_000), null],
    ['20-min gap between starts', run, act('d', 'RUN', 20 * MIN, 60, 10_000), null],
    ['back-to-back intervals', run, act('d', 'RUN', 60 * MIN, 45, 7_000), null],
    ['+1 h but a different duration', run, act('d', 'RUN', HOUR, 50, 10_000), null],
    ['+1 h but a different distance', run, act('d', 'RUN', HOUR, 60, 8_000), null],
    ['+1 h 10 min (not a zone shift)', run, act('d', 'RUN', HOUR + 10 * MIN, 60, 10_000), null],
    ['more than 26 h apart', run, act('d', 'RUN', 27 * HOUR, 60, 10_000), null],
    [
      'long ride vs short walk inside its window',
      act('src', 'WALK', 60 * MIN, 20, 1_500),
      act('d', 'RIDE', 0, 180, 60_000),
      null,
    ],
    [
      'long hike vs short run at its start (compatible sports, small overlap)',
      act('src', 'RUN', 0, 20, 4_000),
      act('d', 'HIKE', 0, 180, 12_000),
      null,
    ],
  ])('%s', (_name, source, candidate, shift) => {
    const match = matchActivity(source, candidate);
    if (shift === null) expect(match).toBeUndefined();
    else expect(match).toMatchObject({ id: 'd', shiftSeconds: shift });
  });

  it('prefers an unshifted match over a shifted one', () => {
    const exact = matchActivity(run, act('a', 'RUN', 30_000, 60, 10_000))!;
    const shifted = matchActivity(run, act('b', 'RUN', HOUR, 60, 10_000))!;
    expect(exact.score).toBeGreaterThan(shifted.score);
  });
});

describe('compatibleKinds', () => {
  it.each<[ActivityKind, ActivityKind, boolean]>([
    ['RIDE', 'RIDE', true],
    ['RUN', 'HIKE', true],
    ['WALK', 'RUN', true],
    ['RIDE', 'RUN', false],
    ['SWIM', 'RUN', false],
    ['STRENGTH', 'WEIGHTLIFTING', true],
    ['YOGA', 'RIDE', false],
  ])('%s ~ %s is %s', (a, b, expected) => {
    expect(compatibleKinds(a, b)).toBe(expected);
    expect(compatibleKinds(b, a)).toBe(expected);
  });
});

describe('assignMatches', () => {
  it('pairs one to one, exact copies first: back-to-back equal runs with one copy leave the other unmatched', () => {
    const first = act('first', 'RUN', 0, 60, 10_000);
    const second = act('second', 'RUN', HOUR, 60, 10_000);
    const copy = act('copy', 'RUN', 10_000, 60, 10_000);
    const result = assignMatches([second, first], [copy]);
    expect(result.get('first')?.id).toBe('copy');
    expect(result.has('second')).toBe(false);
  });

  it('skips candidates already taken', () => {
    const taken = new Set(['copy']);
    expect(assignMatches([act('s', 'RUN', 0, 60)], [act('copy', 'RUN', 0, 60)], taken).size).toBe(0);
  });
});

const session = (
  id: string,
  startOffsetMs: number,
  extra: Partial<CanonicalSession> = {},
): CanonicalSession => ({
  source: { provider: 'fitbit', id },
  kind: 'RUN',
  name: 'Run',
  start: new Date(T0 + startOffsetMs).toISOString(),
  end: new Date(T0 + startOffsetMs + HOUR).toISOString(),
  startUtcOffsetSeconds: 3600,
  endUtcOffsetSeconds: 3600,
  elapsedSeconds: 3600,
  movingSeconds: 3500,
  indoor: false,
  ...extra,
});

describe('mergeSourceDuplicates', () => {
  it('keeps the richer of two recordings of one workout (GPS track and heart rate win)', () => {
    const phone = session('phone', 20_000, { distanceMeters: 10_000 });
    const watch = session('watch', 0, {
      distanceMeters: 10_050,
      track: [{ time: new Date(T0).toISOString(), lat: 52.5, lng: 13.4, heartRate: 120 }],
    });
    expect([...mergeSourceDuplicates([phone, watch])]).toEqual([['phone', 'watch']]);
  });

  it('merges nothing for distinct workouts or zone-shifted twins', () => {
    expect(mergeSourceDuplicates([session('a', 0), session('b', 2 * HOUR), session('c', HOUR)]).size).toBe(0);
  });
});
