/** Offset of a time zone from UTC at an instant, in seconds (DST-aware, from Intl). */
export function utcOffsetSeconds(timeZone: string, instant: Date): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(instant)
    .find((p) => p.type === 'timeZoneName')?.value;
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name ?? '');
  if (!match) return 0;
  const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60;
  return match[1] === '-' ? -seconds : seconds;
}

/** The UTC instant of a wall-clock time in a time zone (the later one when a DST gap/overlap is hit). */
export function zonedTimeToUtc(
  timeZone: string,
  local: { y: number; m: number; d: number; h: number; min: number; s?: number },
): Date {
  const wall = Date.UTC(local.y, local.m - 1, local.d, local.h, local.min, local.s ?? 0);
  let guess = wall - utcOffsetSeconds(timeZone, new Date(wall)) * 1000;
  guess = wall - utcOffsetSeconds(timeZone, new Date(guess)) * 1000;
  return new Date(guess);
}

/** Civil 'YYYY-MM-DDTHH:mm:ss' of an instant shifted by an offset. */
export function civilDateTime(instant: Date, offsetSeconds: number): string {
  return new Date(instant.getTime() + offsetSeconds * 1000).toISOString().slice(0, 19);
}

/** The UTC instant where a civil date starts in a time zone. */
export function startOfCivilDate(timeZone: string, date: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  return zonedTimeToUtc(timeZone, { y, m, d, h: 0, min: 0 });
}
