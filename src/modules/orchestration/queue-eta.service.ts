import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import type { Orchestration } from '../../database/schema.js';
import { FairShareRepository } from '../chunks/fair-share.repository.js';

/** What the ETA knows about the queue, refreshed every few seconds. */
export interface QueueSnapshot {
  takenAt: number;
  /** Queued HISTORICAL chunks by fair tag: ascending tags and, for each, the chunks up to and including it. */
  tags: number[];
  cumulative: number[];
  /** Automatic 7-day chunks left. */
  initial: number;
  /** Chunks completed per second over the last whole budget windows; null when too few to measure. */
  rate: number | null;
}

const REFRESH_MS = 5_000;
/** Fewer completions than this in the measuring window: no rate (the ETA falls back to the sync's own estimate). */
const MIN_COMPLETIONS = 5;

/**
 * An honest ETA under the fair queue (issue 15). Workers take the automatic 7-day chunks first, then
 * queued chunks in fair-tag order (ChunkQueue), so a sync ends when the queue has worked through the
 * 7-day chunks and every chunk whose tag is below its last chunk's (half of those sharing that tag
 * on average), at the rate chunks have been finishing over the last whole budget windows — which
 * reflects the shared provider budgets and the providers' latency. A new sync's tags start at the
 * queue's head. (7-day syncs that arrive later go ahead too; at launch-week rates they are a small
 * share of the budget, so they are left out.)
 *
 * The snapshot (queued chunks counted per tag: one index-only scan; completions in the last two
 * windows: an index range) is refreshed every 5 s per process; a status request only reads it (a
 * binary search).
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

  /** The budget window the rate is measured over: Strava's 15 minutes (time-scaled), at least 10 s. */
  get budgetWindowMs(): number {
    return Math.max(10_000, Math.round(900_000 * this.config.providers.timeScale));
  }

  /**
   * Seconds until this sync ends, from the queue; undefined when the queue gives no answer (not a
   * queued HISTORICAL sync, no backlog or no measured rate yet), so the caller falls back to the sync's
   * own estimate. Never waits: a stale snapshot is refreshed in the background.
   */
  secondsRemaining(o: Pick<Orchestration, 'kind' | 'status' | 'fair_last_tag'>): number | undefined {
    if (o.kind !== 'HISTORICAL' || !['PENDING', 'IN_PROGRESS'].includes(o.status)) return undefined;
    if (o.fair_last_tag === null || o.fair_last_tag === undefined) return undefined;
    const snapshot = this.current();
    if (!snapshot || !this.backlogged(snapshot)) return undefined;
    const ahead = QueueEtaService.ahead(snapshot, o.fair_last_tag) + snapshot.initial;
    return Math.ceil((ahead + 1) / snapshot.rate!);
  }

  /**
   * Seconds a new sync of `chunks` chunks would take if started now, or undefined without a queue.
   * `wait: false` answers from the current snapshot (inside a transaction, never waiting for the pool).
   */
  async forNewSync(chunks: number, wait = true): Promise<number | undefined> {
    const snapshot = wait ? await this.fresh() : this.current();
    if (!snapshot || !this.backlogged(snapshot)) return undefined;
    const head = snapshot.tags[0] ?? 0;
    const others = QueueEtaService.ahead(snapshot, head + chunks - 1) + snapshot.initial;
    return Math.ceil((others + chunks) / snapshot.rate!);
  }

  /** Queued chunks ahead of a chunk with tag `tag`: all with a lower tag, half of those with the same. */
  static ahead(snapshot: Pick<QueueSnapshot, 'tags' | 'cumulative'>, tag: number): number {
    const { tags, cumulative } = snapshot;
    let lo = 0;
    let hi = tags.length; // first index with tags[i] >= tag
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tags[mid] < tag) lo = mid + 1;
      else hi = mid;
    }
    const below = lo > 0 ? cumulative[lo - 1] : 0;
    const same = lo < tags.length && tags[lo] === tag ? cumulative[lo] - below : 0;
    return below + same / 2;
  }

  /**
   * A queue exists: more work waits than the measuring window's worth at the current rate. Without
   * one every sync runs at its own pace (the rate measured then is demand, not capacity).
   */
  private backlogged(snapshot: QueueSnapshot): boolean {
    if (!snapshot.rate) return false;
    const queued = (snapshot.cumulative.at(-1) ?? 0) + snapshot.initial;
    return (queued / snapshot.rate) * 1000 > this.budgetWindowMs;
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
    // budgets refill per window, and waiting chunks start at each window's beginning: the rate is
    // measured over whole windows (the last two that ended, or the last one if the queue is younger)
    const windowMs = this.budgetWindowMs;
    const current = Math.floor(Date.now() / windowMs) * windowMs;
    const [queue, [earlier, last]] = await Promise.all([
      this.fairShare.queuedByTag(),
      this.fairShare.completedIn(new Date(current - 2 * windowMs), windowMs),
    ]);
    const count = earlier > 0 ? earlier + last : last;
    const seconds = ((earlier > 0 ? 2 : 1) * windowMs) / 1000;
    let sum = 0;
    return {
      takenAt: Date.now(),
      tags: queue.tags,
      cumulative: queue.counts.map((n) => (sum += n)),
      initial: queue.initial,
      rate: count >= MIN_COMPLETIONS ? count / seconds : null,
    };
  }
}
