import { parse } from 'csv-parse/sync';
import type { ActivityKind } from '../canonical/canonical-session.js';
import { kindOfText, optional, type FileSession } from './activity-file.js';

/** One row of a Strava bulk export's `activities.csv`: what the athlete curated about an activity. */
export interface StravaExportRow {
  activityId: string;
  /** RFC 3339 UTC (the CSV's `Activity Date` is UTC, written for its locale). */
  start: string;
  name: string;
  type: string;
  description?: string;
  elapsedSeconds: number;
  movingSeconds?: number;
  /** Metres (the second `Distance` column; the first is in the athlete's display unit). */
  distanceMeters?: number;
  averageHeartRate?: number;
  maxHeartRate?: number;
  energyKcal?: number;
  /** The activity's original file in the archive (`activities/123.fit.gz`); none for a manual one. */
  filename?: string;
}

/**
 * Reads `activities.csv`. Columns are found by name; `Elapsed Time`, `Distance`, `Max Heart Rate`
 * and others appear twice, so the first `Elapsed Time` (whole seconds) and the second `Distance`
 * (metres) are taken. A row that cannot be read is a problem with its line, not the end of the file.
 */
export function readStravaActivitiesCsv(text: string): {
  rows: StravaExportRow[];
  problems: Array<{ line: number; message: string }>;
} {
  const records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
  const header = records[0]?.map((h) => h.trim()) ?? [];
  const at = (name: string, occurrence = 0) =>
    header.reduce<number[]>((found, h, i) => (h === name ? [...found, i] : found), [])[occurrence] ?? -1;
  const col = {
    id: at('Activity ID'),
    date: at('Activity Date'),
    name: at('Activity Name'),
    type: at('Activity Type'),
    description: at('Activity Description'),
    elapsed: at('Elapsed Time'),
    moving: at('Moving Time'),
    meters: at('Distance', 1),
    maxHr: at('Max Heart Rate'),
    avgHr: at('Average Heart Rate'),
    calories: at('Calories'),
    filename: at('Filename'),
  };
  const problems: Array<{ line: number; message: string }> = [];
  if (col.id < 0 || col.date < 0 || col.elapsed < 0)
    return {
      rows: [],
      problems: [{ line: 1, message: 'activities.csv lacks Activity ID, Activity Date or Elapsed Time' }],
    };
  const rows: StravaExportRow[] = [];
  records.slice(1).forEach((record, i) => {
    const line = i + 2;
    const cell = (index: number) => (index >= 0 ? (record[index] ?? '').trim() : '');
    const number = (index: number) => {
      const value = Number.parseFloat(cell(index));
      return Number.isFinite(value) && value > 0 ? value : undefined;
    };
    const start = parseActivityDate(cell(col.date));
    const elapsed = number(col.elapsed);
    if (!cell(col.id)) return problems.push({ line, message: 'no Activity ID' });
    if (!start) return problems.push({ line, message: `unrecognized Activity Date "${cell(col.date)}"` });
    if (!elapsed) return problems.push({ line, message: 'no Elapsed Time' });
    rows.push({
      activityId: cell(col.id),
      start,
      name: cell(col.name),
      type: cell(col.type),
      ...(cell(col.description) ? { description: cell(col.description) } : {}),
      elapsedSeconds: Math.round(elapsed),
      ...optional('movingSeconds', number(col.moving)),
      ...optional('distanceMeters', number(col.meters)),
      ...optional('averageHeartRate', number(col.avgHr)),
      ...optional('maxHeartRate', number(col.maxHr)),
      ...optional('energyKcal', number(col.calories)),
      ...(cell(col.filename) ? { filename: cell(col.filename) } : {}),
    });
  });
  return { rows, problems };
}

/**
 * The session of a row: its original file's session (track, local offset, heart rate) with the
 * athlete's name, description and sport from the CSV; without a file (a manual activity), the CSV's.
 */
export function stravaExportSession(row: StravaExportRow, file?: FileSession): FileSession {
  const kind = kindOfType(row.type);
  const curated = {
    kind,
    name: row.name || file?.name || 'Workout',
    ...(row.description ? { notes: row.description } : {}),
  };
  if (file) return { ...file, ...curated };
  const end = new Date(Date.parse(row.start) + row.elapsedSeconds * 1000).toISOString().replace('.000Z', 'Z');
  return {
    ...curated,
    start: row.start,
    end,
    // the CSV has UTC times only; a manual activity's zone is not in the export
    startUtcOffsetSeconds: 0,
    endUtcOffsetSeconds: 0,
    elapsedSeconds: row.elapsedSeconds,
    movingSeconds: Math.round(row.movingSeconds ?? row.elapsedSeconds),
    ...optional('distanceMeters', row.distanceMeters),
    ...optional('averageHeartRate', row.averageHeartRate),
    ...optional('maxHeartRate', row.maxHeartRate),
    ...optional('energyKcal', row.energyKcal),
    indoor: true,
  };
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * `Activity Date` as exports write it: "Oct 7, 2020, 2:43:11 PM" (en-US, sometimes a narrow no-break
 * space before PM), "7 Oct 2020, 14:43:11" (day first), or ISO. UTC; undefined when unrecognized.
 */
export function parseActivityDate(text: string): string | undefined {
  const t = text.replace(/[\u202f\u00a0]/g, ' ').trim();
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}/.test(t)) {
    const iso = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(t) ? t : `${t.replace(' ', 'T')}Z`);
    return Number.isNaN(iso) ? undefined : new Date(iso).toISOString().replace('.000Z', 'Z');
  }
  const monthFirst =
    /^([A-Za-z]{3})[a-z]*\.? (\d{1,2}), (\d{4}),? (\d{1,2}):(\d{2}):(\d{2}) ?([AaPp][Mm])?$/.exec(t);
  const dayFirst =
    /^(\d{1,2}) ([A-Za-z]{3})[a-z]*\.? (\d{4}),? (\d{1,2}):(\d{2}):(\d{2}) ?([AaPp][Mm])?$/.exec(t);
  const parts = monthFirst
    ? { mon: monthFirst[1], day: monthFirst[2], year: monthFirst[3], rest: monthFirst.slice(4) }
    : dayFirst
      ? { mon: dayFirst[2], day: dayFirst[1], year: dayFirst[3], rest: dayFirst.slice(4) }
      : undefined;
  if (!parts) return undefined;
  const month = MONTHS.indexOf(parts.mon.toLowerCase());
  let hour = Number(parts.rest[0]);
  const half = parts.rest[3]?.toLowerCase();
  if (month < 0 || hour > 23 || (half && (hour < 1 || hour > 12))) return undefined;
  if (half === 'pm' && hour < 12) hour += 12;
  if (half === 'am' && hour === 12) hour = 0;
  const ms = Date.UTC(
    Number(parts.year),
    month,
    Number(parts.day),
    hour,
    Number(parts.rest[1]),
    Number(parts.rest[2]),
  );
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Strava's activity types as exports write them ("Run", "Trail Run", "Weight Training", …). */
export const kindOfType = (type: string): ActivityKind => kindOfText(type);
