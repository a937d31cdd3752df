import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { FairShareRepository } from '../chunks/fair-share.repository.js';
import {
  ahead,
  expectedSecondsUntil,
  finishingBefore,
  inFlight,
  lastChunkPosition,
  sameTagAhead,
  type EtaFields,
  type QueueSnapshot,
} from './queue-eta.model.js';
import { pacingWindowMs } from '../providers/provider-descriptors.js';

export type { EtaFields, QueueSnapshot } from './queue-eta.model.js';

/** The snapshot is refreshed this often: 1/40 of a budget window, between 250 ms and 5 s. */
const REFRESH_SHARE = 40;
const REFRESH_MIN_MS = 250;
const REFRESH_MAX_MS = 5_000;
/** Fewer completions than this in the last whole window: no pace (the ETA falls back to the sync's own). */
const MIN_COMPLETIONS = 5;
/**
 * Windows over which 7-day sync arrivals are averaged (4 h of Strava's; the lower of that and the
 * last two windows' is taken, so a burst of connections weighs little while it lasts and nothing
 * once it is over).
 */
const ARRIVAL_WINDOWS = 16;

/**
 * An honest ETA under the fair queue (issue 15). Workers take the automatic 7-day chunks first, then
 * queued chunks in fair-tag order (ChunkQueue), so a sync's last chunk is the n-th to run from now,
 * n = the 7-day chunks + the running ones + every queued chunk whose tag is below its last chunk's +
 * those sharing that tag whose syncs were created earlier (pg-boss breaks ties by job age; counted
 * exactly, see sameTagAhead) + itself, each chunk weighed by its share of a month. The shared budgets
 * refill per window, and chunks waiting for one start at its beginning, so the queue moves in
 * windows: each whole window gets through `perWindow` of that work, finishing it within `burstMs`
 * of its start (the whole window when work, not budget, is the limit). The n-th chunk therefore
 * finishes in the window and at the point of it that its position gives — measured from the last
 * whole windows, which reflects the provider budgets and latency — averaged over capacities ±10 %
 * around the measured one (a position near a window's end may fall in either). A new sync's tags
 * start at the queue's head. New connections' 7-day syncs go first, so each later window has room
 * for the queue only after the 7-day chunks arriving per window (the lower of the averages over the
 * last sixteen windows and the last two). When all a sync has left are running, it ends when they do
 * (the last start plus what a chunk takes, measured over the same windows). The model is
 * queue-eta.model.ts.
 *
 * The snapshot (the queued chunks per tag and per sync: two aggregates over their partial index;
 * completions per window over the last three, 7-day syncs created over the last sixteen and the
 * running chunks: index ranges) is refreshed per process every 1/40 of a budget window (5 s at
 * most); a status request only reads it.
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

  /**
   * The budget window the pace is measured in: the pacing window (Strava's 15 minutes, see
   * `pacingWindowMs`), time-scaled, at least 10 s.
   */
  get budgetWindowMs(): number {
    return Math.max(10_000, Math.round(pacingWindowMs() * this.config.providers.timeScale));
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
    const running = inFlight(snapshot, o, now);
    if (running !== undefined) return running;
    return expectedSecondsUntil(snapshot, lastChunkPosition(snapshot, o), now);
  }

  /**
   * Seconds a new sync of `chunks` chunks would take if started now, or undefined without a queue.
   * `wait: false` answers from the current snapshot (inside a transaction, never waiting for the pool).
   */
  async forNewSync(chunks: number, wait = true): Promise<number | undefined> {
    const snapshot = wait ? await this.fresh() : this.current();
    if (!snapshot || !this.backlogged(snapshot)) return undefined;
    const head = snapshot.tags[0] ?? 0;
    const position = finishingBefore(snapshot, ahead(snapshot, head + chunks - 1, 1)) + chunks;
    return Math.ceil(expectedSecondsUntil(snapshot, position));
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
    const doneNow = at(current)?.units ?? 0;
    const thisWindow = at(current);
    const paceNow =
      thisWindow && thisWindow.count >= MIN_COMPLETIONS
        ? (thisWindow.lastAt - thisWindow.firstAt) / (thisWindow.count - 1)
        : 0;
    // the pace: the last whole windows (two, or one when the queue is younger); in a queue's first
    // window, what this one got through so far (a lower bound: its budget may not be spent yet)
    const whole = [at(current - 1), at(current - 2)].filter((w) => w && w.count >= MIN_COMPLETIONS);
    let perWindow = whole.length ? whole.reduce((n, w) => n + w!.units, 0) / whole.length : 0;
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
      created: queue.syncs.map((q) => q.createdAt),
      sameAhead: sameTagAhead(queue.syncs),
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
      running: new Map(
        running.map((r) => [r.id, { count: r.count, lastStartedAt: r.lastStartedAt, ended: r.ended }]),
      ),
      chunkMs,
    };
  }
}
