/**
 * Strava's per-app quota is the product's ceiling (issue 28): what a sync spent of it, against the
 * physical minimum, from the simulator's own request log (not the service's counters).
 */

export type Counts = Record<string, Record<string, number>>;

/** Strava's published per-app limits (../shared/reference/PROVIDERS.md): overall and reads, per day. */
export const STRAVA_DAILY = { overall: 2000, reads: 1000 };
const LIST_PAGE = 200;
const WRITES = ['uploads.create', 'activities.create'];

/** Requests to `endpoint` the simulator answered (a 429 sent nothing through). */
export const answered = (counts: Counts, endpoint: string): number =>
  Object.entries(counts[endpoint] ?? {})
    .filter(([status]) => status !== '429')
    .reduce((sum, [, n]) => sum + n, 0);

export interface StravaEconomy {
  direction: string;
  activities: number;
  writes: number;
  reads: number;
  lists: number;
  polls: number;
  streams: number;
  other: number;
  total: number;
  /** Writes + one list page per 200 activities (+ the streams a track needs, reading from Strava). */
  minimum: number;
  ratio: number;
  /** One-year syncs a day's overall quota carries (2,000 / requests per sync). */
  syncsPerAppDay: number;
  /** The same by the read budget (1,000 / reads per sync). */
  syncsPerAppDayByReads: number;
}

/**
 * `activities`: how many activities the sync moved (written to Strava, or read from it);
 * `listed`: how many activities the range holds at Strava (what the list pages must cover);
 * `tracked`: reading from Strava, how many of them have a track (a streams request each, needed).
 */
export function stravaEconomy(
  direction: string,
  counts: Counts,
  activities: number,
  listed: number,
  tracked = 0,
): StravaEconomy {
  const endpoints = Object.keys(counts).filter((e) => !e.startsWith('oauth.'));
  const sum = (names: string[]) => names.reduce((n, e) => n + answered(counts, e), 0);
  const writes = sum(endpoints.filter((e) => WRITES.includes(e)));
  const total = sum(endpoints);
  const lists = answered(counts, 'activities.list');
  const polls = answered(counts, 'uploads.get');
  const streams = answered(counts, 'streams.get');
  const minimum = writes + Math.max(1, Math.ceil(listed / LIST_PAGE)) + tracked;
  const round = (n: number, d: number) => Math.round(n * 10 ** d) / 10 ** d;
  return {
    direction,
    activities,
    writes,
    reads: total - writes,
    lists,
    polls,
    streams,
    other: total - writes - lists - polls - streams,
    total,
    minimum,
    ratio: round(total / minimum, 3),
    syncsPerAppDay: round(STRAVA_DAILY.overall / Math.max(1, total), 1),
    syncsPerAppDayByReads: round(STRAVA_DAILY.reads / Math.max(1, total - writes), 1),
  };
}
