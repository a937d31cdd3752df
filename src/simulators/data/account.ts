import { hashSeed, Rng } from '../common/rng.js';
import { utcOffsetSeconds, zonedTimeToUtc } from '../../common/time-zone.js';
import { HOMES, SPORTS, sportProfile, type SimSport } from './sports.js';

/** One recorded session of a simulated athlete, provider-neutral. */
export interface SimSession {
  key: string;
  sport: SimSport;
  name: string;
  start: Date;
  startUtcOffset: number;
  endUtcOffset: number;
  elapsedSeconds: number;
  movingSeconds: number;
  distanceMeters: number;
  elevationGainMeters: number;
  calories: number;
  averageHr: number;
  maxHr: number;
  hasGps: boolean;
  trackSeed: number;
}

export interface AccountOptions {
  id: string;
  seed?: string;
  /** Days of history before `historyEnd` (default 1095: three years). */
  historyDays?: number;
  historyEnd?: Date;
  sessionsPerWeek?: [number, number];
  timezone?: string;
}

export interface SimAccountData {
  id: string;
  seed: string;
  timezone: string;
  home: { city: string; lat: number; lng: number; altitude: number };
  historyStart: Date;
  historyEnd: Date;
  sessionsPerWeek: [number, number];
  sessions: SimSession[];
}

const WEEK_MS = 7 * 86_400_000;
const EPOCH_MONDAY = Date.UTC(1970, 0, 5);
const WEIGHT_KG = 72;

/**
 * A deterministic athlete. Sessions are generated week by week from (seed, week number), so an
 * account's sessions in a given week never depend on when it was created or how long its history is:
 * the same seed always gives the same account.
 */
export function generateAccount(options: AccountOptions): SimAccountData {
  const seed = options.seed ?? options.id;
  const base = new Rng(hashSeed('account', seed));
  const home = options.timezone
    ? { ...(HOMES.find((h) => h.timezone === options.timezone) ?? HOMES[0]), timezone: options.timezone }
    : base.pick(HOMES);
  const historyEnd = options.historyEnd ?? new Date();
  const historyDays = options.historyDays ?? 1095;
  const historyStart = new Date(historyEnd.getTime() - historyDays * 86_400_000);
  const perWeek = options.sessionsPerWeek ?? [3, 5];
  const sessions: SimSession[] = [];
  if (historyDays > 0) {
    const firstWeek = Math.floor((historyStart.getTime() - EPOCH_MONDAY) / WEEK_MS) - 1;
    const lastWeek = Math.floor((historyEnd.getTime() - EPOCH_MONDAY) / WEEK_MS) + 1;
    for (let week = firstWeek; week <= lastWeek; week++) {
      for (const session of weekSessions(seed, home.timezone, week, perWeek)) {
        if (
          session.start >= historyStart &&
          session.start.getTime() + session.elapsedSeconds * 1000 <= historyEnd.getTime()
        )
          sessions.push(session);
      }
    }
  }
  sessions.sort((a, b) => a.start.getTime() - b.start.getTime());
  return {
    id: options.id,
    seed,
    timezone: home.timezone,
    home,
    historyStart,
    historyEnd,
    sessionsPerWeek: perWeek,
    sessions,
  };
}

function weekSessions(seed: string, timezone: string, week: number, perWeek: [number, number]): SimSession[] {
  const rng = new Rng(hashSeed('week', seed, week));
  const count = rng.int(perWeek[0], perWeek[1]);
  const days = [0, 1, 2, 3, 4, 5, 6]
    .sort(() => rng.next() - 0.5)
    .slice(0, count)
    .sort();
  return days.map((dayOfWeek, n) => {
    const profile = rng.weighted(SPORTS);
    const mondayUtc = new Date(EPOCH_MONDAY + week * WEEK_MS + dayOfWeek * 86_400_000);
    const start = zonedTimeToUtc(timezone, {
      y: mondayUtc.getUTCFullYear(),
      m: mondayUtc.getUTCMonth() + 1,
      d: mondayUtc.getUTCDate(),
      h: rng.pick(profile.hours),
      min: rng.int(0, 59),
      s: rng.int(0, 59),
    });
    const elapsedSeconds = Math.round(rng.between(profile.minutes[0], profile.minutes[1]) * 60);
    const movingSeconds = Math.round(elapsedSeconds * rng.between(0.9, 1));
    const speed = rng.between(profile.speed[0], profile.speed[1]);
    const hasGps = rng.chance(profile.outdoorShare);
    const averageHr = Math.round(rng.between(profile.averageHr[0], profile.averageHr[1]));
    const end = new Date(start.getTime() + elapsedSeconds * 1000);
    return {
      key: `w${week}-${n}`,
      sport: profile.sport,
      name: rng.pick(profile.names),
      start,
      startUtcOffset: utcOffsetSeconds(timezone, start),
      endUtcOffset: utcOffsetSeconds(timezone, end),
      elapsedSeconds,
      movingSeconds,
      distanceMeters: Math.round(speed * movingSeconds * 10) / 10,
      elevationGainMeters: hasGps ? Math.round(rng.between(0, profile.sport === 'HIKE' ? 900 : 180)) : 0,
      calories: Math.round(sportProfile(profile.sport).met * WEIGHT_KG * (movingSeconds / 3600)),
      averageHr,
      maxHr: Math.min(200, averageHr + rng.int(12, 30)),
      hasGps,
      trackSeed: hashSeed('track', seed, week, n),
    };
  });
}
