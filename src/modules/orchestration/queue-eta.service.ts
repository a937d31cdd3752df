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
  /** Chunks finished so far in the current window. */
  doneNow: number;
  /** New connections' 7-day chunks arriving per window lately (they go ahead of the queue). */
  arrivals: number;
}

const REFRESH_MS = 5_000;
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
 * The snapshot (queued chunks counted per tag: one index-only scan; completions per window over the
 * last three and 7-day syncs created over the last eight: index ranges) is refreshed every 5 s per process; a status request only reads it.
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
  secondsRemaining(
    o: Pick<Orchestration, 'kind' | 'status' | 'fair_last_tag' | 'created_at'>,
  ): number | undefined {
    if (o.kind !== 'HISTORICAL' || !['PENDING', 'IN_PROGRESS'].includes(o.status)) return undefined;
    if (o.fair_last_tag === null || o.fair_last_tag === undefined) return undefined;
    const snapshot = this.current();
    if (!snapshot || !this.backlogged(snapshot)) return undefined;
    const before = QueueEtaService.createdBefore(snapshot, o.created_at.getTime());
    const position = snapshot.initial + QueueEtaService.ahead(snapshot, o.fair_last_tag, before) + 1;
    return QueueEtaService.secondsUntil(snapshot, position);
  }

  /**
   * Seconds a new sync of `chunks` chunks would take if started now, or undefined without a queue.
   * `wait: false` answers from the current snapshot (inside a transaction, never waiting for the pool).
   */
  async forNewSync(chunks: number, wait = true): Promise<number | undefined> {
    const snapshot = wait ? await this.fresh() : this.current();
    if (!snapshot || !this.backlogged(snapshot)) return undefined;
    const head = snapshot.tags[0] ?? 0;
    const position = snapshot.initial + QueueEtaService.ahead(snapshot, head + chunks - 1, 1) + chunks;
    return QueueEtaService.secondsUntil(snapshot, position);
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

  /** Seconds from `now` until the `position`-th chunk to run from now has finished. */
  static secondsUntil(s: QueueSnapshot, position: number, now = Date.now()): number {
    const leftNow = Math.max(0, s.perWindow - s.doneNow);
    let finish: number;
    if (position <= leftNow) {
      finish = s.windowStart + (s.burstMs * (s.doneNow + position)) / s.perWindow;
    } else {
      // each later window first takes the 7-day syncs that arrived meanwhile
      const room = Math.max(1, s.perWindow - s.arrivals);
      const later = position - leftNow;
      const windows = Math.ceil(later / room);
      const within = later - (windows - 1) * room + (s.perWindow - room);
      finish =
        s.windowStart + windows * s.windowMs + (s.burstMs * Math.min(within, s.perWindow)) / s.perWindow;
    }
    return Math.max(1, Math.ceil((finish - now) / 1000));
  }

  /**
   * A queue exists: more work waits than one window gets through. Without one every sync runs at its
   * own pace (the pace measured then is demand, not capacity).
   */
  private backlogged(snapshot: QueueSnapshot): boolean {
    if (snapshot.perWindow <= 0) return false;
    return (snapshot.cumulative.at(-1) ?? 0) + snapshot.initial > snapshot.perWindow;
  }

  private current(): QueueSnapshot | undefined {
    if (!this.snapshot || Date.now() - this.snapshot.takenAt > REFRESH_MS) void this.refresh();
    return this.snapshot;
  }

  private async fresh(): Promise<QueueSnapshot | undefined> {
    if (this.snapshot && Date.now() - this.snapshot.takenAt <= REFRESH_MS) return this.snapshot;
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
    const [queue, windows, [arrivedLong, arrivedShort]] = await Promise.all([
      this.fairShare.queuedByTag(),
      this.fairShare.completedPerWindow(new Date((current - 2) * windowMs), windowMs),
      this.fairShare.initialChunksSince(
        new Date(now - ARRIVAL_WINDOWS * windowMs),
        new Date(now - 2 * windowMs),
      ),
    ]);
    const at = (w: number) => windows.find((x) => x.window === w);
    const doneNow = at(current)?.count ?? 0;
    // the pace: the last whole windows (two, or one when the queue is younger); in a queue's first
    // window, what this one got through so far (a lower bound: its budget may not be spent yet)
    const whole = [at(current - 1), at(current - 2)].filter((w) => w && w.count >= MIN_COMPLETIONS);
    let perWindow = whole.length ? whole.reduce((n, w) => n + w!.count, 0) / whole.length : 0;
    let burstMs = whole.length
      ? whole.reduce((n, w) => n + (w!.lastAt - w!.window * windowMs), 0) / whole.length
      : windowMs;
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
      // the lower of the long and the recent average: a burst of connections that is over does not
      // weigh on the windows to come
      arrivals: Math.min(arrivedLong / ARRIVAL_WINDOWS, arrivedShort / 2),
    };
  }
}

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
