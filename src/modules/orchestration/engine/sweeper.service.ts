import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { Kysely } from 'kysely';
import { AppConfig } from '../../../config/app-config.js';
import { InjectDb } from '../../../database/database.tokens.js';
import type { DB } from '../../../database/schema.js';
import { ChunkQueue } from '../../chunks/chunk-queue.js';
import { ChunkRepairRepository, type OrphanChunk } from '../../chunks/chunk-repair.repository.js';
import { IdempotencyRepository } from '../../idempotency/idempotency.repository.js';
import { OrchestrationRepository } from '../orchestration.repository.js';
import { retryTransaction } from '../../../database/database-errors.js';
import { ReauthService } from '../reauth.service.js';
import { ChunkEngine } from './chunk-engine.service.js';
import { CompletionService } from './completion.service.js';
import { EngineMetrics } from './engine.metrics.js';
import { SweepLockRepository } from './sweep-lock.repository.js';

export { SWEEP_LOCK_KEY } from './sweep-lock.repository.js';

/** Runs of one chunk that ended without an outcome (process killed) before it is failed. */
const MAX_CHUNK_RUNS = 25;

export type SweepReport = Record<
  | 'requeued'
  | 'recovered'
  | 'failed'
  | 'cancelled'
  | 'resumed'
  | 'countersRepaired'
  | 'finalized'
  | 'idempotencyExpired',
  number
>;

/**
 * Resumption sweeps (PRD §31.3: "re-enqueue only the missing jobs"). Every interval, in the worker
 * role, one replica at a time (advisory lock): unfinished chunks whose job is gone get a new one,
 * chunks whose job died for good fail, counters that disagree with the chunk rows are recomputed,
 * and orchestrations whose chunks are all terminal are finalized. Each action is logged and counted.
 */
@Injectable()
export class SweeperService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SweeperService.name);
  private running = false;

  constructor(
    @InjectDb() private readonly db: Kysely<DB>,
    private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
    private readonly chunks: ChunkRepairRepository,
    private readonly orchestrations: OrchestrationRepository,
    private readonly queue: ChunkQueue,
    private readonly engine: ChunkEngine,
    private readonly completion: CompletionService,
    private readonly idempotency: IdempotencyRepository,
    private readonly metrics: EngineMetrics,
    private readonly reauth: ReauthService,
    private readonly lock: SweepLockRepository,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.role.worker) return;
    const interval = setInterval(
      () => void this.sweepOnce().catch((e: unknown) => this.logger.error(`sweep failed: ${String(e)}`)),
      this.config.sweep.intervalSeconds * 1000,
    );
    this.scheduler.addInterval('resumption-sweep', interval);
  }

  /** One pass of every sweep; undefined when another replica holds the sweep lock. */
  async sweepOnce(): Promise<SweepReport | undefined> {
    if (this.running) return undefined;
    this.running = true;
    try {
      const locked = await this.lock.withSweepLock(() => this.sweep());
      return locked.held ? locked.value : undefined;
    } finally {
      this.running = false;
    }
  }

  private async sweep(): Promise<SweepReport> {
    const report: SweepReport = {
      requeued: 0,
      recovered: 0,
      failed: 0,
      cancelled: 0,
      resumed: 0,
      countersRepaired: 0,
      finalized: 0,
      idempotencyExpired: 0,
    };
    const grace = this.config.sweep.graceSeconds;
    for (const orphan of await this.chunks.findOrphans(grace)) {
      const action = await this.repairOrphan(orphan);
      if (action)
        this.act(
          report,
          action,
          `chunk ${orphan.id} (${orphan.status}, job ${orphan.job_id ?? 'none'} ${orphan.job_state ?? 'missing'})`,
        );
    }
    for (const stranded of await this.chunks.findStrandedRunning(grace)) {
      if (await this.chunks.setStatus(this.db, stranded.id, ['PENDING', 'RUNNING'], 'CANCELLED')) {
        this.act(report, 'cancelled', `chunk ${stranded.id} of an ended orchestration`);
        this.metrics.chunk('cancelled');
      }
    }
    for (const id of await this.orchestrations.findReauthPausedResumable()) {
      if (await this.resumeReauthorized(id)) this.act(report, 'resumed', `orchestration ${id} (reconnected)`);
    }
    for (const id of await this.orchestrations.findCounterDrift()) {
      if (await this.recount(id)) this.act(report, 'countersRepaired', `orchestration ${id}`);
    }
    for (const id of await this.orchestrations.findUnfinalized()) {
      await this.recount(id);
      const o = await this.orchestrations.findById(id);
      if (o && !['PENDING', 'IN_PROGRESS', 'PAUSED'].includes(o.status))
        this.act(report, 'finalized', `orchestration ${id} -> ${o.status}`);
    }
    const expired = await this.idempotency.deleteExpired();
    if (expired > 0) this.act(report, 'idempotencyExpired', `${expired} idempotency keys`, expired);
    return report;
  }

  private async repairOrphan(orphan: OrphanChunk): Promise<keyof SweepReport | undefined> {
    if (orphan.status === 'RUNNING' && orphan.attempts >= MAX_CHUNK_RUNS) {
      // a chunk that keeps killing its worker must not loop for ever
      const failed = await this.engine.fail(orphan.orchestration_id, orphan.id, orphan.job_id, {
        code: 'CHUNK_CRASHED',
        message: `The chunk's run stopped without an outcome ${orphan.attempts} times`,
        retryable: true,
      });
      return failed ? 'failed' : undefined;
    }
    if (orphan.job_state === 'failed' && orphan.status !== 'RUNNING') {
      const failed = await this.engine.fail(orphan.orchestration_id, orphan.id, orphan.job_id, {
        code: 'CHUNK_RETRIES_EXHAUSTED',
        message: 'The chunk failed after every retry',
        retryable: true,
      });
      return failed ? 'failed' : undefined;
    }
    return this.db.transaction().execute(async (trx) => {
      const o = await this.orchestrations.lock(trx, orphan.orchestration_id);
      if (!o) return undefined;
      // a died run's job waits for pg-boss's retry: cancelled first, or the retry (if pg-boss
      // started it meanwhile) and the new job would run the chunk side by side
      if (
        orphan.job_state === 'retry' &&
        orphan.job_id &&
        !(await this.chunks.takeBackRetryingJob(trx, orphan.job_id))
      )
        return undefined;
      const chunk = await this.chunks.reassignJob(trx, orphan.id, orphan.job_id);
      if (!chunk) return undefined;
      await this.queue.enqueue(trx, o, [chunk], { keepPlace: true });
      return orphan.status === 'RUNNING' ? 'recovered' : 'requeued';
    });
  }

  /** Resumes a sync paused for REAUTH_REQUIRED once its connection is usable again. */
  private async resumeReauthorized(id: string): Promise<boolean> {
    const resumed = await retryTransaction(() =>
      this.db.transaction().execute(async (trx) => {
        const o = await this.orchestrations.lock(trx, id);
        if (!o || o.status !== 'PAUSED' || o.pause_reason !== 'REAUTH_REQUIRED') return undefined;
        if (!(await this.reauth.connectionUsable(o.connection_id, trx))) return undefined;
        return this.reauth.resumeLocked(trx, o);
      }),
    );
    if (resumed) this.reauth.invalidate([resumed]);
    return resumed !== undefined;
  }

  /** Recomputes the counters from the chunk rows, then finalizes if every chunk is terminal. */
  private async recount(id: string): Promise<boolean> {
    const { changed, final } = await this.db.transaction().execute(async (trx) => {
      const locked = await this.orchestrations.lock(trx, id);
      if (!locked) return { changed: false, final: undefined };
      const counts = await this.chunks.statusCounts(trx, id);
      let o = locked;
      const changed = o.completed_chunks !== counts.COMPLETED || o.failed_chunks !== counts.FAILED;
      if (changed) o = await this.orchestrations.setCounters(trx, id, counts.COMPLETED, counts.FAILED);
      return { changed, final: await this.completion.maybeFinalize(trx, o) };
    });
    this.metrics.completed(final);
    return changed;
  }

  private act(report: SweepReport, action: keyof SweepReport, what: string, count = 1): void {
    report[action] += count;
    this.metrics.sweepActions.inc({ action }, count);
    this.logger.warn(`sweep ${action}: ${what}`);
  }
}
