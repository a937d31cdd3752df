import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import type { Orchestration } from '../../database/schema.js';
import { FairShareRepository } from '../chunks/fair-share.repository.js';

/** What the ETA knows about the queue and the pace of the shared budgets, refreshed every few seconds. */
export interface QueueSnapshot {
  takenAt: number;
  /** Queued HISTORICAL chunks by fair tag: ascending tags and, for each, the chunks up to and including it. */
  tags: number[];
  cumulative: number[];
  /** When each running HISTORICAL sync was created, ascending (the order among chunks sharing a tag). */
  created: number[];
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
  /** HISTORICAL chunks running now (they finish first), and per sync how many and when the last one started. */
  runningTotal: number;
  running: Map<string, { count: number; lastStartedAt: number }>;
  /** How long a chunk took from start to finish in the last whole windows (ms; 0 when unknown). */
  chunkMs: number;
}

/** The snapshot is refreshed this often: 1/40 of a budget window, between 250 ms and 5 s. */
const REFRESH_SHARE = 40;
const REFRESH_MIN_MS = 250;
const REFRESH_MAX_MS = 5_000;
/** Fewer completions than this in the last whole window: no pace (the ETA falls back to the sync's own). */
const MIN_COMPLETIONS = 5;
/** Windows over which 7-day sync arrivals are averaged. */
const ARRIVAL_WINDOWS = 8;

/**
 * An honest ETA under the fair queue (issue 15). Workers take the automatic 7-day chunks first, then
 * queued chunks in fair-tag order (ChunkQueue), so a sync's last chunk is the n-th to run from now,
 * n = the 7-day chunks + every queued chunk whose tag is below its last chunk's + those sharing that
 * tag whose syncs were created earlier (pg-boss breaks ties by job age) + 1. The shared budgets refill per window, and chunks waiting for one start at
 * its beginning, so the queue moves in windows: each whole window gets through `perWindow` chunks,
 * finishing them within `burstMs` of its start (the whole window when work, not budget, is the
 * limit). The n-th chunk therefore finishes in the window and at the point of it that its position
 * gives — measured from the last whole windows, which reflects the provider budgets and latency.
 * A new sync's tags start at the queue's head. New connections' 7-day syncs go first, so each later
 * window has room for the queue only after the 7-day chunks arriving per window (the lower of the
 * averages over the last eight windows and the last two).
 *
 * The chunks running now finish before any queued one; when all a sync has left are running, it
 * ends when they do (the last start plus what a chunk takes, measured over the same windows).
 *
 * The snapshot (queued chunks counted per tag: one index-only scan; completions per window over the
 * last three, 7-day syncs created over the last eight and the running chunks: index ranges) is
 * refreshed per process every 1/40 of a budget window (5 s at most); a status request only reads it.
 */
@Injectable()
export class QueueEtaService {
  private readonly logger = new Logger(QueueEtaService.name);
  private snapshot?: QueueSnapshot;
  private refreshing?: Promise<QueueSnapshot | undefined>;

  constructor(
    private readonly fairShare: FairShareRepository,
    private readonly config: AppConfig,
  ) {}

  /** The budget window the pace is measured in: Strava's 15 minutes (time-scaled), at least 10 s. */
  get budgetWindowMs(): number {
    return Math.max(10_000, Math.round(900_000 * this.config.providers.timeScale));
  }

  /**
   * Seconds until this sync ends, from the queue; undefined when the queue gives no answer (not a
   * queued HISTORICAL sync, no backlog or no measured pace yet), so the caller falls back to the
   * sync's own estimate. Never waits: a stale snapshot is refreshed in the background.
   */
  secondsRemaining(o: EtaFields, now = Date.now()): number | undefined {
    if (o.kind !== 'HISTORICAL' || !['PENDING', 'IN_PROGRESS'].includes(o.status)) return undefined;
    if (o.fair_last_tag === null || o.fair_last_tag === undefined) return undefined;
    const snapshot = this.current();
    if (!snapshot || !this.backlogged(snapshot)) return undefined;
    const inFlight = QueueEtaService.inFlight(snapshot, o, now);
    if (inFlight !== undefined) return inFlight;
    const before = QueueEtaService.createdBefore(snapshot, o.created_at.getTime());
    const position = QueueEtaService.finishingBefore(snapshot, o.fair_last_tag, before) + 1;
    return QueueEtaService.secondsUntil(snapshot, position, now);
  }

  /**
   * Every chunk the sync has left is running, and the window's budget has room for every running
   * chunk: it ends when the last one started plus what a chunk takes (at least a tenth of that from
   * now, when the chunk runs late). Undefined otherwise.
   */
  static inFlight(
    s: Pick<QueueSnapshot, 'running' | 'chunkMs' | 'runningTotal' | 'perWindow' | 'doneNow'>,
    o: EtaFields,
    now: number,
  ): number | undefined {
    const left = o.total_chunks - o.completed_chunks - o.failed_chunks;
    const run = s.running.get(o.id);
    if (!run || left <= 0 || run.count < left || s.chunkMs <= 0) return undefined;
    // with the window's budget spent, running chunks go back on the queue for the next window
    if (s.doneNow + s.runningTotal > s.perWindow) return undefined;
    return Math.max(s.chunkMs / 10, run.lastStartedAt + s.chunkMs - now) / 1000;
  }

  /**
   * Seconds a new sync of `chunks` chunks would take if started now, or undefined without a queue.
   * `wait: false` answers from the current snapshot (inside a transaction, never waiting for the pool).
   */
  async forNewSync(chunks: number, wait = true): Promise<number | undefined> {
    const snapshot = wait ? await this.fresh() : this.current();
    if (!snapshot || !this.backlogged(snapshot)) return undefined;
    const head = snapshot.tags[0] ?? 0;
    const position = QueueEtaService.finishingBefore(snapshot, head + chunks - 1, 1) + chunks;
    return Math.ceil(QueueEtaService.secondsUntil(snapshot, position));
  }

  /** Chunks that finish before a queued chunk with tag `tag`: 7-day ones, running ones, those ahead. */
  static finishingBefore(s: QueueSnapshot, tag: number, before: number): number {
    return s.initial + s.runningTotal + QueueEtaService.ahead(s, tag, before);
  }

  /**
   * Queued chunks ahead of a chunk with tag `tag`: all with a lower tag, and of those sharing it the
   * share `before` (the fraction of running syncs created before this one; their jobs come first).
   */
  static ahead(snapshot: Pick<QueueSnapshot, 'tags' | 'cumulative'>, tag: number, before = 0.5): number {
    const { tags, cumulative } = snapshot;
    const lo = lowerBound(tags, tag);
    const below = lo > 0 ? cumulative[lo - 1] : 0;
    const same = lo < tags.length && tags[lo] === tag ? cumulative[lo] - below : 0;
    return below + same * before;
  }

  /** The fraction of running HISTORICAL syncs created before `createdAt`. */
  static createdBefore(snapshot: Pick<QueueSnapshot, 'created'>, createdAt: number): number {
    const { created } = snapshot;
    if (created.length === 0) return 0.5;
    const lo = lowerBound(created, createdAt);
    return lo / created.length;
  }

  /**
   * Seconds (fractional) from `now` until the `position`-th chunk to finish from the snapshot's
   * time has finished. In this window, never sooner than `position` chunks take at a burst's pace
   * (a burst running late goes on).
   */
  static secondsUntil(s: QueueSnapshot, position: number, now = Date.now()): number {
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
      finish =
        s.windowStart + windows * s.windowMs + (s.burstMs * Math.min(within, s.perWindow)) / s.perWindow;
    }
    return Math.max(0.1, (finish - now) / 1000);
  }

  /**
   * A queue exists: more work waits than one window gets through. Without one every sync runs at its
   * own pace (the pace measured then is demand, not capacity).
   */
  private backlogged(snapshot: QueueSnapshot): boolean {
    if (snapshot.perWindow <= 0) return false;
    return (snapshot.cumulative.at(-1) ?? 0) + snapshot.initial > snapshot.perWindow;
  }

  private get refreshMs(): number {
    return Math.min(REFRESH_MAX_MS, Math.max(REFRESH_MIN_MS, this.budgetWindowMs / REFRESH_SHARE));
  }

  private current(): QueueSnapshot | undefined {
    if (!this.snapshot || Date.now() - this.snapshot.takenAt > this.refreshMs) void this.refresh();
    return this.snapshot;
  }

  private async fresh(): Promise<QueueSnapshot | undefined> {
    if (this.snapshot && Date.now() - this.snapshot.takenAt <= this.refreshMs) return this.snapshot;
    return this.refresh();
  }

  private refresh(): Promise<QueueSnapshot | undefined> {
    this.refreshing ??= this.load()
      .then((snapshot) => (this.snapshot = snapshot))
      .catch((error: unknown) => {
        this.logger.warn(`queue ETA not refreshed: ${(error as Error).message}`);
        return this.snapshot;
      })
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async load(): Promise<QueueSnapshot> {
    const windowMs = this.budgetWindowMs;
    const now = Date.now();
    const current = Math.floor(now / windowMs);
    const [queue, windows, [arrivedLong, arrivedShort], running] = await Promise.all([
      this.fairShare.queuedByTag(),
      this.fairShare.completedPerWindow(new Date((current - 2) * windowMs), windowMs),
      this.fairShare.initialChunksSince(
        new Date(now - ARRIVAL_WINDOWS * windowMs),
        new Date(now - 2 * windowMs),
      ),
      this.fairShare.running(),
    ]);
    const at = (w: number) => windows.find((x) => x.window === w);
    const doneNow = at(current)?.count ?? 0;
    const thisWindow = at(current);
    const paceNow =
      thisWindow && thisWindow.count >= MIN_COMPLETIONS
        ? (thisWindow.lastAt - thisWindow.firstAt) / (thisWindow.count - 1)
        : 0;
    // the pace: the last whole windows (two, or one when the queue is younger); in a queue's first
    // window, what this one got through so far (a lower bound: its budget may not be spent yet)
    const whole = [at(current - 1), at(current - 2)].filter((w) => w && w.count >= MIN_COMPLETIONS);
    let perWindow = whole.length ? whole.reduce((n, w) => n + w!.count, 0) / whole.length : 0;
    let burstMs = whole.length
      ? whole.reduce((n, w) => n + (w!.lastAt - w!.window * windowMs), 0) / whole.length
      : windowMs;
    const measured = whole.length ? whole : [at(current)].filter((w) => w && w.count > 0);
    const chunkMs = measured.length
      ? measured.reduce((n, w) => n + w!.meanMs * w!.count, 0) / measured.reduce((n, w) => n + w!.count, 0)
      : 0;
    if (!whole.length && doneNow >= MIN_COMPLETIONS)
      [perWindow, burstMs] = [doneNow, now - current * windowMs];
    let sum = 0;
    return {
      takenAt: now,
      tags: queue.tags,
      cumulative: queue.counts.map((n) => (sum += n)),
      created: queue.created,
      initial: queue.initial,
      windowMs,
      windowStart: current * windowMs,
      perWindow,
      burstMs: Math.min(windowMs, Math.max(1, burstMs)),
      doneNow,
      lastDoneAt: thisWindow?.lastAt ?? current * windowMs,
      paceNow,
      // the lower of the long and the recent average: a burst of connections that is over does not
      // weigh on the windows to come
      arrivals: Math.min(arrivedLong / ARRIVAL_WINDOWS, arrivedShort / 2),
      runningTotal: running.reduce((n, r) => n + r.count, 0),
      running: new Map(running.map((r) => [r.id, { count: r.count, lastStartedAt: r.lastStartedAt }])),
      chunkMs,
    };
  }
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
