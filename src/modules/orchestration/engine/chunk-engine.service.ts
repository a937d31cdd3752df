import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { Kysely, Transaction } from 'kysely';
import { AppConfig } from '../../../config/app-config.js';
import { InjectDb } from '../../../database/database.tokens.js';
import type { DB, ErrorInfo, Orchestration } from '../../../database/schema.js';
import { AnalyticsService } from '../../analytics/analytics.service.js';
import { ChunkQueue } from '../../chunks/chunk-queue.js';
import { ChunksRepository, type ChunkContextRow } from '../../chunks/chunks.repository.js';
import type { ChunkCounts } from '../../chunks/chunk-processor.js';
import { OrchestrationRepository } from '../orchestration.repository.js';
import { retryTransaction } from '../../../database/database-errors.js';
import { SyncRecordsRepository } from '../../import-report/sync-records.repository.js';
import { ReauthService } from '../reauth.service.js';
import { RELEASE_SPREAD, releaseDelay, type ChunkOutcome } from './chunk-outcome.js';
import { CompletionService } from './completion.service.js';
import { EngineMetrics } from './engine.metrics.js';
import { pacingWindowMs } from '../../providers/provider-descriptors.js';
import { outageWaitMs, retryPolicy, type RetryPolicy } from '../../../config/retry-policy.js';

const RUNNABLE_CHUNK = ['PENDING', 'RUNNING'];
const RUNNABLE_ORCHESTRATION = ['PENDING', 'IN_PROGRESS'];

/** One run of a chunk: the chunk as it started, and the pg-boss job running it (its retries so far). */
export interface ChunkRun {
  context: ChunkContextRow;
  jobId: string;
  retryCount: number;
}

export type StartOutcome =
  | { kind: 'run'; context: ChunkContextRow; attempts: number }
  | { kind: 'busy'; context: ChunkContextRow }
  | { kind: 'skip' };

const orchestrationRef = (c: ChunkContextRow) =>
  ({
    id: c.orchestration_id,
    user_id: c.user_id,
    source_provider: c.source_provider,
    destination_provider: c.destination_provider,
    kind: c.kind,
  }) as Pick<Orchestration, 'id' | 'user_id' | 'source_provider' | 'destination_provider' | 'kind'>;

/**
 * (One file over ~300 lines on purpose: these are the transitions of one chunk run, which share the
 * guards, the lock order and the requeue path; split, each would need the others to be read.)
 *
 * Every state change of a chunk run, each in one transaction with the counter update, the
 * completion check and the analytics event it implies. All are guarded by the run's job id and the
 * chunk's status, so a second run of the same chunk, a stale job or a replayed dead letter changes
 * nothing and counts nothing twice.
 *
 * Lock order: a transaction that changes an orchestration's chunks and the orchestration locks the
 * orchestration row first, then chunk rows (as the user-driven transitions do), so they never deadlock.
 */
@Injectable()
export class ChunkEngine {
  private readonly logger = new Logger(ChunkEngine.name);

  constructor(
    @InjectDb() private readonly db: Kysely<DB>,
    private readonly config: AppConfig,
    private readonly chunks: ChunksRepository,
    private readonly orchestrations: OrchestrationRepository,
    private readonly queue: ChunkQueue,
    private readonly completion: CompletionService,
    private readonly analytics: AnalyticsService,
    private readonly metrics: EngineMetrics,
    private readonly reauth: ReauthService,
    private readonly records: SyncRecordsRepository,
  ) {
    this.retry = retryPolicy(config);
  }

  /** The retry policy's outage and chunk rules (config/retry-policy.ts), read once. */
  private readonly retry: RetryPolicy;

  /** Per provider reset: how many chunks this process sent to wait for it (see releaseDelay). */
  private readonly waiters = new Map<string, number>();

  /** Counts one more waiter for the reset `outcome` names; returns how many there are now. */
  private waiterFor(outcome: { provider: string; retryAt: Date }): number {
    const at = Math.ceil(outcome.retryAt.getTime() / 1000);
    const key = `${outcome.provider}:${at}`;
    const count = (this.waiters.get(key) ?? 0) + 1;
    this.waiters.set(key, count);
    // forget resets that have passed
    for (const k of this.waiters.keys())
      if (Number(k.slice(k.lastIndexOf(':') + 1)) * 1000 < Date.now() - 60_000) this.waiters.delete(k);
    return count;
  }

  /**
   * Takes the chunk for this job: RUNNING (and its orchestration IN_PROGRESS on the first chunk),
   * unless the job is stale or the chunk settled ('skip'), the sync is paused or ended (the job is
   * detached so resume enqueues the chunk again; 'skip'), or the user already has
   * CHUNK_USER_CONCURRENCY chunks running ('busy'). pg-boss's group concurrency keeps 'busy' rare;
   * the check under the user's lock makes the limit exact when fetches race.
   */
  async start(chunkId: string, jobId: string): Promise<StartOutcome> {
    return this.transaction(async (trx): Promise<StartOutcome> => {
      const context = await this.chunks.lockContext(trx, chunkId);
      if (!context || context.job_id !== jobId) return { kind: 'skip' }; // superseded by a newer job
      if (!RUNNABLE_CHUNK.includes(context.status)) return { kind: 'skip' }; // settled: counts nothing
      if (!RUNNABLE_ORCHESTRATION.includes(context.orchestration_status)) {
        await this.chunks.detachJob(context.id, jobId, trx);
        return { kind: 'skip' };
      }
      const run = await this.chunks.startRun(
        trx,
        { id: context.id, orchestrationId: context.orchestration_id, userId: context.user_id },
        jobId,
        // a user's automatic 7-day sync never waits for a slot behind the same user's backfill
        context.kind === 'INITIAL_7_DAY' ? 1_000_000 : this.config.jobs.chunkUserConcurrency,
      );
      if (run === 'busy') return { kind: 'busy', context };
      if (!run) return { kind: 'skip' };
      if (run.startedKind) {
        await this.analytics.record(
          {
            type: 'SYNC_STARTED',
            userId: context.user_id,
            orchestrationId: context.orchestration_id,
            properties: { kind: run.startedKind },
          },
          trx,
        );
      }
      return { kind: 'run', context, attempts: run.attempts };
    });
  }

  /** RUNNING -> COMPLETED, completedChunks + 1, finalize when it was the last. Counts once. */
  async complete(run: ChunkRun, result: ChunkCounts, seconds: number): Promise<void> {
    const { context, jobId } = run;
    const finished = await this.transaction(async (trx) => {
      await this.orchestrations.lock(trx, context.orchestration_id);
      const completed = await this.chunks.completeRun(
        trx,
        context.id,
        jobId,
        context.orchestration_id,
        result,
      );
      if (!completed) return { counted: false as const };
      const o = completed.orchestration;
      await this.analytics.record(
        {
          type: 'CHUNK_COMPLETED',
          userId: o.user_id,
          orchestrationId: o.id,
          properties: { index: completed.idx, seconds, ...result },
        },
        trx,
      );
      return { counted: true as const, final: await this.completion.maybeFinalize(trx, o) };
    });
    if (!finished.counted) {
      this.logger.warn(
        `chunk ${context.id}: run of job ${jobId} finished after the chunk was settled; not counted again`,
      );
      return;
    }
    this.metrics.chunk('completed', seconds);
    this.metrics.completed(finished.final);
  }

  /** A transient error: back to PENDING with the error shown, pg-boss retries the job with backoff. */
  async releaseForRetry({ context, jobId }: ChunkRun, error: ErrorInfo, seconds: number): Promise<void> {
    await this.chunks.release(this.db, context.id, jobId, { error });
    this.metrics.chunk('retried', seconds);
  }

  /** Records a non-retryable error before the job is sent to the dead-letter queue. */
  async recordPermanentError({ context, jobId }: ChunkRun, error: ErrorInfo): Promise<void> {
    await this.chunks.release(this.db, context.id, jobId, { error });
  }

  /**
   * Out of quota: a new job for the same chunk starts at the provider's reset time (spread over the
   * next window, see releaseDelay) with the attempts this one had left and its place in the fair
   * queue; the attempt is given back. What the chunk wrote is kept (its cursor).
   */
  async reschedule(run: ChunkRun, outcome: Extract<ChunkOutcome, { kind: 'reschedule' }>): Promise<void> {
    const { context } = run;
    // a daily window's waiters are spread like a short window's (a quarter of the pacing window: Strava's 15 min)
    const maxSpread = pacingWindowMs() * this.config.providers.timeScale * RELEASE_SPREAD;
    const delay = releaseDelay(context.kind, outcome, Math.random, maxSpread, this.waiterFor(outcome));
    const startAfter = new Date(Math.max(outcome.retryAt.getTime(), Date.now()) + delay);
    if (
      await this.requeue(run, startAfter, {
        error: outcome.error,
        giveBackAttempt: true,
        waiting: { reason: 'PROVIDER_RATE_LIMITED', provider: outcome.provider, retryAt: startAfter },
      })
    ) {
      this.metrics.chunk('rescheduled');
      this.metrics.rateLimited(outcome.provider);
    }
  }

  /**
   * A transient fault (provider outage, the database away): a new job after a backoff that grows
   * with the outage (a quarter of its length so far, 2 s to 5 min, jittered, or the provider's
   * Retry-After), the attempt given back. False once the outage is longer than the configured
   * bound: the caller then lets the attempt count.
   */
  async waitOut(run: ChunkRun, outcome: Extract<ChunkOutcome, { kind: 'wait' }>): Promise<boolean> {
    const now = Date.now();
    const since = run.context.transient_since ?? new Date(now);
    const policy = this.retry.outage;
    if (now - since.getTime() > policy.maxWaitMs) return false;
    const at = Math.max(now + outageWaitMs(policy, now - since.getTime()), outcome.retryAt?.getTime() ?? 0);
    if (
      await this.requeue(run, new Date(at), {
        error: outcome.error,
        giveBackAttempt: true,
        transientSince: since,
        waiting: outcome.provider
          ? { reason: 'PROVIDER_UNAVAILABLE', provider: outcome.provider, retryAt: new Date(at) }
          : undefined,
      })
    )
      this.metrics.chunk('waited');
    return true;
  }

  /**
   * Records of the chunk wait for another try after record faults (their provider answers
   * everything else): a new job at the earliest one's next try, the attempt given back. Their own
   * tries (RECORD_FAULT_ATTEMPTS) bound this; the sync is not waiting for a provider.
   */
  async defer(run: ChunkRun, outcome: Extract<ChunkOutcome, { kind: 'defer' }>): Promise<void> {
    const startAfter = new Date(Math.max(outcome.retryAt.getTime(), Date.now()));
    if (
      await this.requeue(run, startAfter, {
        error: outcome.error,
        giveBackAttempt: true,
        transientSince: null,
      })
    )
      this.metrics.chunk('record_fault');
  }

  /**
   * The user's grant is gone: the chunk goes back to PENDING without a job (no attempt used) and
   * every sync depending on the account pauses for REAUTH_REQUIRED (with one N-07), in one
   * transaction. Reauthorizing the connection resumes them.
   */
  async pauseForRevokedGrant(
    run: ChunkRun,
    outcome: Extract<ChunkOutcome, { kind: 'reauth' }>,
  ): Promise<void> {
    const { context, jobId } = run;
    const accountId =
      outcome.accountId ??
      (outcome.provider === context.source_provider
        ? context.source_account_id
        : context.destination_account_id);
    const result = await this.transaction(async (trx) => {
      await this.orchestrations.lock(trx, context.orchestration_id);
      const paused = accountId ? await this.reauth.pauseForRevokedAccount(trx, accountId) : undefined;
      if (!paused) return { paused: [] as Orchestration[], requeued: true };
      await this.chunks.release(trx, context.id, jobId, {
        error: outcome.error,
        giveBackAttempt: true,
        detach: true,
        transientSince: null,
      });
      return { paused, requeued: false };
    });
    if (result.requeued) {
      // reconnected meanwhile: run again shortly with the new grant
      await this.requeue(run, new Date(Date.now() + 2000), {});
      return;
    }
    this.reauth.invalidate(result.paused);
    this.metrics.chunk('paused');
  }

  /** The user's concurrency slots are full: the chunk waits a moment in a new job (no attempt used). */
  async deferBusy(run: ChunkRun): Promise<void> {
    const startAfter = new Date(Date.now() + 1000 + Math.floor(Math.random() * 1000));
    if (await this.requeue(run, startAfter, {})) this.metrics.chunk('deferred');
  }

  /** Gives the chunk a new job starting at `startAfter`, with the retries this run had left. */
  private async requeue(
    { context, jobId, retryCount }: ChunkRun,
    startAfter: Date,
    change: {
      error?: ErrorInfo;
      giveBackAttempt?: boolean;
      transientSince?: Date | null;
      /** What the sync's bar waits for meanwhile (the orchestration's `waiting`). */
      waiting?: Parameters<OrchestrationRepository['setWaiting']>[2];
    },
  ): Promise<boolean> {
    const newJobId = randomUUID();
    const { waiting, ...release } = change;
    return this.transaction(async (trx) => {
      const released = await this.chunks.release(trx, context.id, jobId, { ...release, newJobId });
      if (!released) return false;
      if (waiting) await this.orchestrations.setWaiting(trx, context.orchestration_id, waiting);
      await this.queue.enqueue(trx, orchestrationRef(context), [{ ...context, job_id: newJobId }], {
        startAfter,
        retryLimit: Math.max(0, this.retry.chunk.retryLimit - retryCount),
        keepPlace: true,
      });
      return true;
    });
  }

  /**
   * PENDING/RUNNING -> FAILED, failedChunks + 1, finalize when it was the last. From the
   * dead-letter queue or a sweep; `jobId` (when known) limits it to that run.
   */
  async fail(
    orchestrationId: string,
    chunkId: string,
    jobId: string | null,
    error: ErrorInfo,
  ): Promise<boolean> {
    const outcome = await this.transaction(async (trx) => {
      await this.orchestrations.lock(trx, orchestrationId);
      const chunk = await this.chunks.fail(trx, chunkId, jobId, error);
      if (!chunk) return undefined;
      await this.records.failUnsettled(trx, { orchestrationId, chunkId }, error);
      const o = await this.orchestrations.addToCounters(trx, chunk.orchestration_id, { failed: 1 });
      await this.analytics.record(
        {
          type: 'CHUNK_FAILED',
          userId: o.user_id,
          orchestrationId: o.id,
          properties: { index: chunk.idx, code: error.code },
        },
        trx,
      );
      return { final: await this.completion.maybeFinalize(trx, o) };
    });
    if (!outcome) return false;
    this.metrics.chunk('failed');
    this.metrics.completed(outcome.final);
    return true;
  }

  /**
   * A fatal error (the provider account is gone, or the grant lacks a permission): this and every
   * unfinished chunk fail, the sync ends FAILED.
   */
  async failFatally({ context }: ChunkRun, error: ErrorInfo): Promise<void> {
    const { final, failed } = await this.transaction(async (trx) => {
      const o = await this.orchestrations.lock(trx, context.orchestration_id);
      if (!o) return { final: undefined, failed: 0 };
      const failed = await this.chunks.failUnfinished(trx, o.id, error);
      await this.records.failUnsettled(trx, { orchestrationId: o.id }, error);
      if (failed > 0) await this.orchestrations.addToCounters(trx, o.id, { failed });
      await this.analytics.record(
        {
          type: 'CHUNK_FAILED',
          userId: o.user_id,
          orchestrationId: o.id,
          properties: { code: error.code, chunks: failed, fatal: true },
        },
        trx,
      );
      return { final: await this.completion.failNow(trx, o.id, error), failed };
    });
    this.logger.warn(`orchestration ${context.orchestration_id} failed: ${error.code} ${error.message}`);
    this.metrics.chunk('failed', undefined, failed);
    this.metrics.completed(final);
  }

  /** One transaction, run again after a deadlock or serialization failure (never a chunk failure). */
  private transaction<T>(work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    return retryTransaction(() => this.db.transaction().execute(work));
  }
}
