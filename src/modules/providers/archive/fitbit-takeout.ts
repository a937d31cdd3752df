import { parse } from 'csv-parse/sync';
import { kindOfText, optional, type FileSession } from './activity-file.js';

/**
 * One activity of a Google Takeout Fitbit export (`Global Export Data/exercise-*.json`), as logged:
 * `wallClock` is its `startTime` ("MM/DD/YY HH:MM:SS", no zone) read as if it were UTC; which zone it
 * really is in is decided per archive ({@link takeoutTiming}).
 */
export interface TakeoutExercise {
  logId: string;
  name: string;
  wallClock: number;
  durationMs: number;
  activeMs?: number;
  distanceMeters?: number;
  energyKcal?: number;
  averageHeartRate?: number;
}

/** One row of `UserExercises_*.csv`: a start in UTC and the local offset it was logged with. */
export interface UserExerciseRow {
  startUtc: number;
  offsetSeconds: number;
}

const METERS_PER: Record<string, number> = { kilometer: 1000, mile: 1609.344, meter: 1, yard: 0.9144 };

/** A Takeout `exercise-*.json` file: a JSON array of activity records; a record it cannot read is a problem. */
export function readExerciseJson(text: string): { exercises: TakeoutExercise[]; problems: string[] } {
  let records: unknown;
  try {
    records = JSON.parse(text);
  } catch {
    return { exercises: [], problems: ['not JSON'] };
  }
  if (!Array.isArray(records)) return { exercises: [], problems: ['not a JSON array of activities'] };
  const exercises: TakeoutExercise[] = [];
  const problems: string[] = [];
  for (const r of records as Array<Record<string, unknown>>) {
    const logId = r?.logId;
    const wallClock = parseTakeoutTime(String(r?.startTime ?? ''));
    const duration = Number(r?.duration);
    if (logId === undefined || wallClock === undefined || !(duration > 0)) {
      problems.push(`activity ${String(logId ?? '?')}: no logId, startTime or duration`);
      continue;
    }
    const unit = METERS_PER[String(r.distanceUnit ?? 'kilometer').toLowerCase()] ?? 1000;
    const distance = Number(r.distance);
    exercises.push({
      logId: String(logId),
      name: String(r.activityName ?? '').trim() || 'Workout',
      wallClock,
      durationMs: duration,
      ...optional('activeMs', positive(r.activeDuration)),
      ...optional('distanceMeters', distance > 0 ? distance * unit : undefined),
      ...optional('energyKcal', positive(r.calories)),
      ...optional('averageHeartRate', positive(r.averageHeartRate)),
    });
  }
  return { exercises, problems };
}

/** `UserExercises_*.csv`: columns by name (the header grows over the years). */
export function readUserExercisesCsv(text: string): UserExerciseRow[] {
  const records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
  const header = records[0]?.map((h) => h.trim()) ?? [];
  const start = header.indexOf('exercise_start');
  const offset = header.indexOf('utc_offset');
  if (start < 0 || offset < 0) return [];
  return records.slice(1).flatMap((row) => {
    const startUtc = Date.parse(
      /[zZ]|[+-]\d{2}:?\d{2}$/.test(row[start] ?? '') ? row[start] : `${row[start]}Z`,
    );
    const offsetSeconds = parseOffset(row[offset] ?? '');
    return Number.isNaN(startUtc) || offsetSeconds === undefined ? [] : [{ startUtc, offsetSeconds }];
  });
}

const MATCH_MS = 120_000;

/**
 * When each activity started, as an instant and a local offset. Takeout's `startTime` carries no
 * zone, and the sources disagree on whether it is UTC or the athlete's wall clock, so each archive
 * is asked: the activities are matched (±2 min) against `UserExercises` rows (UTC starts with their
 * offsets) both ways, and the reading that matches more wins (UTC when none match, as a checked
 * 2026 export showed). An activity takes its own row's offset, else the nearest row's, else 0.
 */
export function takeoutTiming(
  exercises: TakeoutExercise[],
  rows: UserExerciseRow[],
): (e: TakeoutExercise) => { start: number; offsetSeconds: number } {
  const sorted = [...rows].sort((a, b) => a.startUtc - b.startUtc);
  const near = (t: number, local: boolean) =>
    sorted.find((r) => Math.abs(r.startUtc + (local ? r.offsetSeconds * 1000 : 0) - t) <= MATCH_MS);
  let asUtc = 0;
  let asLocal = 0;
  for (const e of exercises) {
    const utc = near(e.wallClock, false);
    const local = near(e.wallClock, true);
    if (utc && !(local && local.offsetSeconds === 0)) asUtc++;
    if (local && local.offsetSeconds !== 0 && !utc) asLocal++;
  }
  const local = asLocal > asUtc;
  const nearest = (t: number) =>
    sorted.reduce<UserExerciseRow | undefined>(
      (best, r) => (!best || Math.abs(r.startUtc - t) < Math.abs(best.startUtc - t) ? r : best),
      undefined,
    );
  return (e) => {
    const offsetSeconds = (near(e.wallClock, local) ?? nearest(e.wallClock))?.offsetSeconds ?? 0;
    return { start: local ? e.wallClock - offsetSeconds * 1000 : e.wallClock, offsetSeconds };
  };
}

/**
 * The session of an activity: its TCX's (track, heart rate, times with their offsets) when the
 * export holds one (`Activities/<logId>.tcx`), with the log's name and kind; otherwise the log's
 * summary (no track).
 */
export function takeoutSession(
  e: TakeoutExercise,
  timing: { start: number; offsetSeconds: number },
  tcx?: FileSession,
): FileSession {
  const kind = kindOfText(e.name);
  if (tcx) return { ...tcx, kind, name: e.name, ...optional('energyKcal', tcx.energyKcal ?? e.energyKcal) };
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const elapsed = Math.round(e.durationMs / 1000);
  return {
    kind,
    name: e.name,
    start: iso(timing.start),
    end: iso(timing.start + elapsed * 1000),
    startUtcOffsetSeconds: timing.offsetSeconds,
    endUtcOffsetSeconds: timing.offsetSeconds,
    elapsedSeconds: elapsed,
    movingSeconds: Math.round((e.activeMs ?? e.durationMs) / 1000),
    ...optional('distanceMeters', e.distanceMeters),
    ...optional('energyKcal', e.energyKcal),
    ...optional('averageHeartRate', e.averageHeartRate),
    indoor: true,
  };
}

/** "03/22/21 21:04:02" (MM/DD/YY, 24 h) as if UTC, in ms; undefined when it is not that. */
export function parseTakeoutTime(text: string): number | undefined {
  const m = /^(\d{2})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const [month, day, year, h, min, s] = m.slice(1).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31 || h > 23 || min > 59 || s > 59) return undefined;
  return Date.UTC(2000 + year, month - 1, day, h, min, s);
}

/** "+01:00", "-0530", "3600" (seconds), "60" (minutes) or "1" (hours): seconds east of UTC. */
export function parseOffset(text: string): number | undefined {
  const t = text.trim();
  const hm = /^([+-])(\d{2}):?(\d{2})$/.exec(t) ?? /^()(\d{2}):(\d{2})$/.exec(t);
  if (hm) return (hm[1] === '-' ? -1 : 1) * (Number(hm[2]) * 3600 + Number(hm[3]) * 60);
  const n = Number(t);
  if (t === '' || !Number.isFinite(n)) return undefined;
  const abs = Math.abs(n);
  return abs <= 14 ? n * 3600 : abs <= 14 * 60 ? n * 60 : n;
}

const positive = (value: unknown): number | undefined => {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : undefined;
};
