import type { Orchestration } from '../../database/schema.js';
import type { QueuedSync } from '../chunks/fair-share.repository.js';

/**
 * The queue model behind the ETA (QueueEtaService): where a sync's last chunk stands in the fair
 * queue and when the budget windows get to it. Pure functions of a snapshot, tested alone.
 */

/** What the ETA knows about the queue and the pace of the shared budgets, refreshed every few seconds. */
export interface QueueSnapshot {
  takenAt: number;
  /**
   * Queued HISTORICAL chunks by fair tag: ascending tags and, for each, what the chunks up to and
   * including it weigh (a chunk of a whole month 1, a shorter one its share; the queue's and the
   * windows' chunk figures below are all in these units).
   */
  tags: number[];
  cumulative: number[];
  /** When each sync with queued chunks was created, ascending (the order among chunks sharing a tag). */
  created: number[];
  /** Per sync with queued chunks: its highest queued tag, that chunk's weight and the queued chunks of earlier syncs sharing it. */
  sameAhead: Map<string, SameTag>;
  /** Automatic 7-day chunks left (they go first). */
  initial: number;
  /** The budget window (ms) and the start of the current one. */
  windowMs: number;
  windowStart: number;
  /** Chunks a whole window gets through, and how far into a window its last one finishes (ms). */
  perWindow: number;
  burstMs: number;
  /** Chunks finished so far in the current window, and its pace so far (ms a chunk; 0: too few yet). */
  doneNow: number;
  lastDoneAt: number;
  paceNow: number;
  /** New connections' 7-day chunks arriving per window lately (they go ahead of the queue). */
  arrivals: number;
  /**
   * HISTORICAL chunks running now (they finish first), and per sync how many, when the last one
   * started and how many of its chunks had ended then.
   */
  runningTotal: number;
  running: Map<string, { count: number; lastStartedAt: number; ended: number }>;
  /** How long a chunk took from start to finish in the last whole windows (ms; 0 when unknown). */
  chunkMs: number;
}

/** How far a window's capacity may be from the measured one (relative), for the ETA: ±10 %. */
const CAPACITY_SPREAD = 0.1;

/**
 * Every chunk the sync has left is running, and the window's budget has room for every running
 * chunk: it ends when the last one started plus what a chunk takes (at least a tenth of that from
 * now, when the chunk runs late). Undefined otherwise. Running chunks that ended since the
 * snapshot (the sync's row, read now, counts more ended chunks) no longer count.
 */
export function inFlight(
  s: Pick<QueueSnapshot, 'running' | 'chunkMs' | 'runningTotal' | 'perWindow' | 'doneNow'>,
  o: EtaFields,
  now: number,
): number | undefined {
  const ended = o.completed_chunks + o.failed_chunks;
  const left = o.total_chunks - ended;
  const run = s.running.get(o.id);
  if (!run || left <= 0 || s.chunkMs <= 0) return undefined;
  if (run.count - Math.max(0, ended - run.ended) < left) return undefined;
  // with the window's budget spent, running chunks go back on the queue for the next window
  if (s.doneNow + s.runningTotal > s.perWindow) return undefined;
  return Math.max(s.chunkMs / 10, run.lastStartedAt + s.chunkMs - now) / 1000;
}

/** Chunks that finish before a queued chunk with `queuedAhead` ahead of it: 7-day ones, running ones, those. */
export function finishingBefore(s: QueueSnapshot, queuedAhead: number): number {
  return s.initial + s.runningTotal + queuedAhead;
}

/**
 * Queued chunks ahead of the sync's last one: every one with a lower tag, and those sharing its tag
 * whose syncs were created earlier (counted exactly while its last chunk is queued; otherwise
 * their share, from the fraction of syncs created earlier).
 */
export function queuedAhead(
  s: Pick<QueueSnapshot, 'tags' | 'cumulative' | 'created' | 'sameAhead'>,
  o: Pick<EtaFields, 'id' | 'fair_last_tag' | 'created_at'>,
): number {
  const tag = Number(o.fair_last_tag);
  const exact = s.sameAhead.get(o.id);
  if (exact && exact.tag === tag) return ahead(s, tag, 0) + exact.count;
  return ahead(s, tag, createdBefore(s, o.created_at.getTime()));
}

/**
 * The sync's last chunk is the n-th to finish from the snapshot's time: what finishes before it
 * (finishingBefore, queuedAhead) and itself (its weight when it is queued, else 1).
 */
export function lastChunkPosition(
  s: QueueSnapshot,
  o: Pick<EtaFields, 'id' | 'fair_last_tag' | 'created_at'>,
): number {
  const own = s.sameAhead.get(o.id);
  const weight = own?.tag === Number(o.fair_last_tag) ? own.weight : 1;
  return finishingBefore(s, queuedAhead(s, o)) + weight;
}

/**
 * For each sync (ascending creation), the queued chunks of earlier syncs that share the tag of its
 * last queued chunk: a sync's queued chunks hold consecutive tags, so an earlier sync has one there
 * when its lowest and highest queued tags enclose it. One pass with a Fenwick tree over the tags.
 */
export function sameTagAhead(syncs: QueuedSync[]): Map<string, SameTag> {
  const coords = [...new Set(syncs.flatMap((q) => [q.lo, q.hi, q.hi + 1]))].sort((a, b) => a - b);
  const tree = new Array<number>(coords.length + 1).fill(0);
  const add = (tag: number, delta: number) => {
    for (let i = lowerBound(coords, tag) + 1; i <= coords.length; i += i & -i) tree[i] += delta;
  };
  // intervals opened at or below `tag`, less those closed (hi + 1) at or below it
  const covering = (tag: number) => {
    let n = 0;
    for (let i = upperBound(coords, tag); i > 0; i -= i & -i) n += tree[i];
    return n;
  };
  const out = new Map<string, SameTag>();
  for (const q of syncs) {
    out.set(q.id, { tag: q.hi, weight: q.lastWeight, count: covering(q.hi) });
    // weight 1 on lo..hi - 1, the last chunk's own on hi
    add(q.lo, 1);
    add(q.hi, q.lastWeight - 1);
    add(q.hi + 1, -q.lastWeight);
  }
  return out;
}

/**
 * Queued chunks ahead of a chunk with tag `tag`: all with a lower tag, and of those sharing it the
 * share `before` (the fraction of running syncs created before this one; their jobs come first).
 */
export function ahead(
  snapshot: Pick<QueueSnapshot, 'tags' | 'cumulative'>,
  tag: number,
  before = 0.5,
): number {
  const { tags, cumulative } = snapshot;
  const lo = lowerBound(tags, tag);
  const below = lo > 0 ? cumulative[lo - 1] : 0;
  const same = lo < tags.length && tags[lo] === tag ? cumulative[lo] - below : 0;
  return below + same * before;
}

/** The fraction of the syncs with queued chunks created before `createdAt`. */
export function createdBefore(snapshot: Pick<QueueSnapshot, 'created'>, createdAt: number): number {
  const { created } = snapshot;
  if (created.length === 0) return 0.5;
  const lo = lowerBound(created, createdAt);
  return lo / created.length;
}

/**
 * `secondsUntil` for a window capacity CAPACITY_SPREAD below and above the measured one: what a
 * window gets through varies with the requests its chunks need (a chunk with nothing new to write
 * needs one, others two or more), so a chunk near the end of a window's share may run at the end
 * of its burst or at the start of the next window's. The answer is the one whose relative error is
 * least in the worse of the two, 2·r₋·r₊ / (r₋ + r₊): near a boundary it lies between the windows
 * (a sync whose last chunk has one window or the next to go is told neither, and is at most
 * (r₋ − r₊) / (r₋ + r₊) wrong); inside a window r₋ ≈ r₊ and it is unchanged.
 */
export function expectedSecondsUntil(s: QueueSnapshot, position: number, now = Date.now()): number {
  const at = (e: number) =>
    // a window that gets through more chunks takes longer over them, at the same pace
    secondsUntil(
      { ...s, perWindow: s.perWindow * (1 + e), burstMs: Math.min(s.windowMs, s.burstMs * (1 + e)) },
      position,
      now,
    );
  const [slow, fast] = [at(-CAPACITY_SPREAD), at(CAPACITY_SPREAD)];
  return (2 * slow * fast) / (slow + fast);
}

/**
 * Seconds (fractional) from `now` until the `position`-th chunk to finish from the snapshot's
 * time has finished. In this window, never sooner than `position` chunks take at a burst's pace
 * (a burst running late goes on).
 */
export function secondsUntil(s: QueueSnapshot, position: number, now = Date.now()): number {
  const leftNow = Math.max(0, s.perWindow - s.doneNow);
  let finish: number;
  if (position <= leftNow) {
    // the burst under way sets the pace once it has one (from its last completion on); before
    // that, the last windows' bursts do (from the window's start, and at least from now)
    if (s.paceNow > 0) finish = Math.max(s.lastDoneAt + s.paceNow * position, now + s.paceNow);
    else {
      const pace = s.burstMs / s.perWindow;
      finish = Math.max(s.windowStart + pace * (s.doneNow + position), now + pace * position);
    }
  } else {
    // each later window first takes the 7-day syncs that arrived meanwhile
    const room = Math.max(1, s.perWindow - s.arrivals);
    const later = position - leftNow;
    const windows = Math.ceil(later / room);
    const within = later - (windows - 1) * room + (s.perWindow - room);
    finish = s.windowStart + windows * s.windowMs + (s.burstMs * Math.min(within, s.perWindow)) / s.perWindow;
  }
  return Math.max(0.1, (finish - now) / 1000);
}

/** The queued chunks of earlier syncs sharing the tag of a sync's last queued chunk (see sameTagAhead). */
export interface SameTag {
  tag: number;
  weight: number;
  count: number;
}

/** What the ETA of one sync reads from its row. */
export type EtaFields = Pick<
  Orchestration,
  | 'id'
  | 'kind'
  | 'status'
  | 'fair_last_tag'
  | 'created_at'
  | 'total_chunks'
  | 'completed_chunks'
  | 'failed_chunks'
>;

/** The first index of the ascending `values` whose value is not below `value` (binary search). */
function lowerBound(values: number[], value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index of the ascending `values` whose value is above `value`. */
function upperBound(values: number[], value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
