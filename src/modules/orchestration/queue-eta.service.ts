import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import type { Orchestration } from '../../database/schema.js';
import { FairShareRepository, type RemainingShare } from '../chunks/fair-share.repository.js';

/** What the ETA knows about the queue, refreshed every few seconds. */
interface QueueSnapshot {
  takenAt: number;
  /** Users with queued or running HISTORICAL work, grouped by their remaining chunks. */
  shares: RemainingShare[];
  /** INITIAL_7_DAY chunks left (they go first). */
  initial: number;
  /** Chunks completed per second lately; null when too few finished to measure. */
  rate: number | null;
}

const REFRESH_MS = 5_000;
/** Fewer completions than this in the measuring window: no rate (the ETA falls back to the sync's own estimate). */
const MIN_COMPLETIONS = 5;

/**
 * An honest ETA under the fair queue (issue 15). The scheduler gives every user with queued work an
 * equal share of the chunk throughput (ChunkQueue's fair tags), so a sync with R chunks left ends
 * after the queue has done, for every other user, as many chunks as that user has left but at most
 * R (processor sharing), plus the automatic 7-day syncs ahead, all at the rate chunks are finishing
 * now — which already reflects the shared provider budgets and the providers' latency:
 *
 *   seconds = (initial + Σ_users min(remaining_u, R)) / rate
 *
 * The snapshot is one grouped query over active orchestrations and one index range over recent
 * completions, every 5 s per process; a status request only reads it (O(distinct remaining counts)).
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

  /** The measuring window for the rate: two of Strava's 15-min budget windows (time-scaled), at least 20 s. */
  get rateWindowSeconds(): number {
    return Math.max(20, Math.round(2 * 900 * this.config.providers.timeScale));
  }

  /**
   * Seconds until this sync ends, from the queue; undefined when the queue gives no answer (not a
   * running HISTORICAL sync, or no recent rate yet), so the caller falls back to the sync's own estimate.
   * Never waits: a stale snapshot is refreshed in the background.
   */
  secondsRemaining(
    o: Pick<Orchestration, 'kind' | 'status' | 'total_chunks' | 'completed_chunks' | 'failed_chunks'>,
  ): number | undefined {
    if (o.kind !== 'HISTORICAL' || !['PENDING', 'IN_PROGRESS'].includes(o.status)) return undefined;
    const snapshot = this.current();
    if (!snapshot?.rate) return undefined;
    const remaining = o.total_chunks - o.completed_chunks - o.failed_chunks;
    if (remaining <= 0 || !this.backlogged(snapshot)) return undefined;
    return this.seconds(snapshot, remaining, true);
  }

  /**
   * A queue exists: more work waits than the measuring window's worth at the current rate. Without
   * one every sync runs at its own pace (the rate measured then is demand, not capacity).
   */
  private backlogged(snapshot: QueueSnapshot): boolean {
    const total = QueueEtaService.workAhead(snapshot, Number.MAX_SAFE_INTEGER, true);
    return total / snapshot.rate! > this.rateWindowSeconds;
  }

  /**
   * Seconds a new sync of `chunks` chunks would take if started now, or undefined without a queue.
   * `wait: false` answers from the current snapshot (inside a transaction, never waiting for the pool).
   */
  async forNewSync(chunks: number, wait = true): Promise<number | undefined> {
    const snapshot = wait ? await this.fresh() : this.current();
    if (!snapshot?.rate || !this.backlogged(snapshot)) return undefined;
    return this.seconds(snapshot, chunks, false);
  }

  /** Chunks the queue holds ahead of (or beside) a user with `remaining` chunks left. */
  static workAhead(
    snapshot: Pick<QueueSnapshot, 'shares' | 'initial'>,
    remaining: number,
    included: boolean,
  ) {
    let work = snapshot.initial + (included ? 0 : remaining);
    for (const share of snapshot.shares) work += share.users * Math.min(share.remaining, remaining);
    return work;
  }

  private seconds(snapshot: QueueSnapshot, remaining: number, included: boolean): number {
    return Math.ceil(QueueEtaService.workAhead(snapshot, remaining, included) / snapshot.rate!);
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
    const window = this.rateWindowSeconds;
    const [{ shares, initial }, completed] = await Promise.all([
      this.fairShare.shares(),
      this.fairShare.completedSince(window),
    ]);
    const span = Math.min(window, Math.max(completed.spanSeconds, window / 4));
    return {
      takenAt: Date.now(),
      shares,
      initial,
      rate: completed.count >= MIN_COMPLETIONS ? completed.count / span : null,
    };
  }
}
