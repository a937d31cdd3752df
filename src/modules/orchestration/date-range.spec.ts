import fc from 'fast-check';
import { addDays, addMonths, daysBetween, isCivilDate, todayIn } from '../../common/civil-date.js';
import { earliestStart, monthBoundary, resolveRange, splitIntoChunks } from './date-range.js';

const civilDate = fc
  .date({ min: new Date(Date.UTC(1990, 0, 1)), max: new Date(Date.UTC(2040, 11, 31)), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const zone = fc.constantFrom(
  'UTC',
  'Europe/Berlin',
  'America/Los_Angeles',
  'Pacific/Kiritimati',
  'Pacific/Pago_Pago',
  'Asia/Kolkata',
  'Australia/Lord_Howe',
);

describe('civil date arithmetic', () => {
  it('rolls month boundaries forward past short months', () => {
    expect(monthBoundary('2024-01-31', 1)).toBe('2024-03-01');
    expect(monthBoundary('2024-01-31', 2)).toBe('2024-03-31');
    expect(monthBoundary('2016-02-29', 12)).toBe('2017-03-01');
    expect(monthBoundary('2016-02-29', 48)).toBe('2020-02-29');
    expect(monthBoundary('2025-11-23', 1)).toBe('2025-12-23');
  });

  it('adds months with end-of-month clamping, including leap days', () => {
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2023-01-31', 1)).toBe('2023-02-28');
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
    expect(addMonths('2024-03-31', -1)).toBe('2024-02-29');
    expect(addMonths('2025-12-15', 1)).toBe('2026-01-15');
  });

  it('recognises real calendar dates only', () => {
    expect(isCivilDate('2024-02-29')).toBe(true);
    expect(isCivilDate('2023-02-29')).toBe(false);
    expect(isCivilDate('2024-13-01')).toBe(false);
    expect(isCivilDate('2024-1-01')).toBe(false);
    expect(isCivilDate(20240101)).toBe(false);
  });

  it('finds today in the connection time zone, not the server’s', () => {
    const instant = new Date('2026-03-01T03:30:00Z');
    expect(todayIn('UTC', instant)).toBe('2026-03-01');
    expect(todayIn('America/Los_Angeles', instant)).toBe('2026-02-28');
    expect(todayIn('Pacific/Kiritimati', new Date('2026-02-28T11:00:00Z'))).toBe('2026-03-01');
  });
});

describe('chunking (property-based)', () => {
  it('chunks are contiguous, non-overlapping, one month long, and cover [start, end] exactly', () => {
    fc.assert(
      fc.property(civilDate, fc.integer({ min: 0, max: 3652 }), (start, span) => {
        const end = addDays(start, span);
        const chunks = splitIntoChunks({ startDate: start, endDate: end });
        // plain checks collected, one expect per run: 500 runs of up to 120 chunks stay fast
        const wrong: string[] = [];
        const check = (k: number, ok: boolean, what: string) =>
          void (ok || wrong.push(`chunk ${k}: ${what}`));
        check(0, chunks[0].startDate === start, 'starts at startDate');
        check(chunks.length - 1, chunks.at(-1)!.endDate === end, 'the last ends at endDate');
        chunks.forEach((chunk, k) => {
          check(k, chunk.index === k, 'index in order');
          check(k, chunk.startDate <= chunk.endDate, 'start <= end');
          check(k, chunk.startDate === monthBoundary(start, k), 'anchored at startDate, no drift');
          if (k > 0) check(k, chunk.startDate === addDays(chunks[k - 1].endDate, 1), 'contiguous');
          if (k < chunks.length - 1) {
            check(
              k,
              chunk.endDate === addDays(monthBoundary(start, k + 1), -1),
              'ends before the next boundary',
            );
            check(k, daysBetween(chunk.startDate, chunk.endDate) >= 27, 'at least 28 days');
          }
          check(k, daysBetween(chunk.startDate, chunk.endDate) <= 30, 'at most 31 days');
          if (Number(start.slice(8)) <= 28)
            check(k, chunk.startDate.slice(8) === start.slice(8), 'same day of month');
        });
        expect(wrong).toEqual([]);
        const covered = chunks.reduce((sum, c) => sum + daysBetween(c.startDate, c.endDate) + 1, 0);
        expect(covered).toBe(span + 1);
      }),
      { numRuns: 500 },
    );
  });

  it('LAST_YEAR always gives 12 chunks ending today, in any time zone, leap days included', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2039-12-31'), noInvalidDate: true }),
        zone,
        (instant, tz) => {
          const today = todayIn(tz, instant);
          const result = resolveRange({ preset: 'LAST_YEAR' }, today);
          expect(result.ok).toBe(true);
          if (!result.ok) return;
          expect(result.range.endDate).toBe(today);
          expect(result.range.startDate).toBe(addDays(addMonths(today, -12), 1));
          expect(splitIntoChunks(result.range)).toHaveLength(12);
        },
      ),
      { numRuns: 500 },
    );
    expect(resolveRange({ preset: 'LAST_YEAR' }, '2028-02-29')).toEqual({
      ok: true,
      range: { startDate: '2027-03-01', endDate: '2028-02-29' },
    });
    expect(resolveRange({ preset: 'LAST_YEAR' }, '2026-11-22')).toEqual({
      ok: true,
      range: { startDate: '2025-11-23', endDate: '2026-11-22' },
    });
  });

  it('LAST_30_DAYS spans 30 days; a 7-day range is one chunk', () => {
    fc.assert(
      fc.property(civilDate, (today) => {
        const result = resolveRange({ preset: 'LAST_30_DAYS' }, today);
        expect(result.ok && daysBetween(result.range.startDate, result.range.endDate)).toBe(29);
        const week = resolveRange({ preset: 'LAST_7_DAYS' }, today);
        expect(week.ok && splitIntoChunks(week.range)).toHaveLength(1);
      }),
    );
  });

  it('ALL_TIME starts at the first data, capped at ten years', () => {
    expect(resolveRange({ preset: 'ALL_TIME' }, '2026-11-22', '2019-05-03')).toEqual({
      ok: true,
      range: { startDate: '2019-05-03', endDate: '2026-11-22' },
    });
    const capped = resolveRange({ preset: 'ALL_TIME' }, '2026-11-22', '2001-01-01');
    expect(capped.ok && capped.range.startDate).toBe('2016-11-23');
    expect(capped.ok && splitIntoChunks(capped.range)).toHaveLength(120);
    expect(earliestStart('2026-11-22')).toBe('2016-11-23');
  });
});

describe('range validation', () => {
  const today = '2026-11-22';
  const fields = (r: ReturnType<typeof resolveRange>) => (r.ok ? [] : r.errors.map((e) => e.field));

  it('rejects CUSTOM without dates, bad dates, start after end, future ends and spans over ten years', () => {
    expect(fields(resolveRange({ preset: 'CUSTOM' }, today))).toEqual(['range.startDate', 'range.endDate']);
    expect(
      fields(resolveRange({ preset: 'CUSTOM', startDate: '2026-02-30', endDate: '2026-03-01' }, today)),
    ).toEqual(['range.startDate']);
    expect(
      fields(resolveRange({ preset: 'CUSTOM', startDate: '2026-05-01', endDate: '2026-04-01' }, today)),
    ).toEqual(['range.startDate']);
    expect(
      fields(resolveRange({ preset: 'CUSTOM', startDate: '2026-05-01', endDate: '2026-11-23' }, today)),
    ).toEqual(['range.endDate']);
    expect(
      fields(resolveRange({ preset: 'CUSTOM', startDate: '2016-11-22', endDate: today }, today)),
    ).toEqual(['range']);
    expect(resolveRange({ preset: 'CUSTOM', startDate: '2016-11-23', endDate: today }, today).ok).toBe(true);
    expect(fields(resolveRange({ preset: 'LAST_YEAR', startDate: '2026-01-01' }, today))).toEqual([
      'range.startDate',
    ]);
    expect(fields(resolveRange({ preset: 'CUSTOM' }, today, null, ''))).toEqual(['startDate', 'endDate']);
  });
});
