/**
 * The range rules of the contract: preset resolution in the connection's time zone, validation, and
 * one-month chunking anchored at the start.
 */
import { addDays, addYears, fromUtc, isCivilDate } from '../../common/civil-date.js';
import type { FieldError } from '../../common/errors/problem.exception.js';
import type { RangePreset } from '../../database/schema.js';

export const MAX_RANGE_YEARS = 10;

export interface DateRange {
  startDate: string;
  endDate: string;
}

export interface ChunkRange extends DateRange {
  index: number;
}

/** The earliest start a range ending at `endDate` may have (spans are at most ten years). */
export function earliestStart(endDate: string): string {
  return addDays(addYears(endDate, -MAX_RANGE_YEARS), 1);
}

export interface RangeRequest {
  preset: RangePreset;
  startDate?: string;
  endDate?: string;
}

export type RangeResolution = { ok: true; range: DateRange } | { ok: false; errors: FieldError[] };

/**
 * Resolves a preset to concrete dates. `today` is today in the connection's time zone;
 * `firstDataDate` is the source account's first data (ALL_TIME only).
 */
export function resolveRange(
  request: RangeRequest,
  today: string,
  firstDataDate?: string | null,
  fieldPrefix = 'range.',
): RangeResolution {
  const errors: FieldError[] = [];
  const { preset } = request;
  if (request.startDate !== undefined && !isCivilDate(request.startDate)) {
    errors.push({ field: 'range.startDate', message: 'startDate must be a real date formatted YYYY-MM-DD' });
  }
  if (request.endDate !== undefined && !isCivilDate(request.endDate)) {
    errors.push({ field: 'range.endDate', message: 'endDate must be a real date formatted YYYY-MM-DD' });
  }
  if (preset === 'CUSTOM') {
    if (request.startDate === undefined)
      errors.push({ field: 'range.startDate', message: 'CUSTOM needs startDate' });
    if (request.endDate === undefined)
      errors.push({ field: 'range.endDate', message: 'CUSTOM needs endDate' });
  } else if (request.startDate !== undefined) {
    errors.push({
      field: 'range.startDate',
      message: `startDate is only accepted with the CUSTOM preset, not ${preset}`,
    });
  }
  if (errors.length > 0) return { ok: false, errors: prefixed(errors, fieldPrefix) };

  const endDate = request.endDate ?? today;
  let startDate: string;
  switch (preset) {
    case 'LAST_7_DAYS':
      startDate = addDays(endDate, -6);
      break;
    case 'LAST_30_DAYS':
      startDate = addDays(endDate, -29);
      break;
    case 'LAST_YEAR':
      startDate = addDays(addYears(endDate, -1), 1);
      break;
    case 'ALL_TIME': {
      const cap = earliestStart(endDate);
      const first = firstDataDate && isCivilDate(firstDataDate) ? firstDataDate : cap;
      startDate = first < cap ? cap : first > endDate ? endDate : first;
      break;
    }
    case 'CUSTOM':
      startDate = request.startDate!;
      break;
  }
  if (endDate > today) {
    errors.push({
      field: 'range.endDate',
      message: `endDate ${endDate} is in the future (today is ${today})`,
    });
  }
  if (startDate > endDate) {
    errors.push({ field: 'range.startDate', message: `startDate ${startDate} is after endDate ${endDate}` });
  } else if (startDate < earliestStart(endDate)) {
    errors.push({ field: 'range', message: `the range spans more than ${MAX_RANGE_YEARS} years` });
  }
  if (errors.length > 0) return { ok: false, errors: prefixed(errors, fieldPrefix) };
  return { ok: true, range: { startDate, endDate } };
}

/** Errors are written against `range.*`; the estimate's query parameters have no prefix. */
function prefixed(errors: FieldError[], prefix: string): FieldError[] {
  return errors.map((e) => {
    const bare = e.field.replace(/^range\.?/, '');
    return { ...e, field: bare ? `${prefix}${bare}` : prefix.replace(/\.$/, '') || 'range' };
  });
}

/**
 * The k-th month boundary after an anchor date: the same day k months later, or, when that month
 * has no such day (the 29th–31st), the first day of the month after. Rolling forward rather than
 * clamping keeps a year of boundaries exactly a year long: from Feb 29 the twelfth boundary is
 * Mar 1, so "the last year" ending on Feb 28 is 12 chunks, not 12 and a one-day tail.
 */
export function monthBoundary(anchor: string, k: number): string {
  const [y, m, d] = anchor.split('-').map(Number);
  const total = y * 12 + (m - 1) + k;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return d <= lastDay
    ? fromUtc(new Date(Date.UTC(year, month, d)))
    : fromUtc(new Date(Date.UTC(year, month + 1, 1)));
}

/**
 * Consecutive one-month chunks anchored at the start: chunk k covers [boundary k, boundary k+1 - 1
 * day], the last one ending at endDate. Every boundary is computed from the anchor, so short months
 * never drift the later chunks.
 */
export function splitIntoChunks({ startDate, endDate }: DateRange): ChunkRange[] {
  const chunks: ChunkRange[] = [];
  for (let index = 0; ; index++) {
    const chunkStart = monthBoundary(startDate, index);
    if (chunkStart > endDate) break;
    const lastDay = addDays(monthBoundary(startDate, index + 1), -1);
    chunks.push({ index, startDate: chunkStart, endDate: lastDay < endDate ? lastDay : endDate });
  }
  return chunks;
}
