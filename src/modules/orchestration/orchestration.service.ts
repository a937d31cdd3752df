import { Injectable } from '@nestjs/common';
import type { Kysely, Transaction } from 'kysely';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { decodeCursor, decodeIndexCursor, encodeIndexCursor, page } from '../../common/http/cursor.js';
import { invalidState, notFound } from '../../common/errors/problem.exception.js';
import { InjectDb } from '../../database/database.tokens.js';
import type { DB, Orchestration } from '../../database/schema.js';
import { AnalyticsService } from '../analytics/analytics.service.js';
import { ChunkQueue } from '../chunks/chunk-queue.js';
import { ChunksRepository } from '../chunks/chunks.repository.js';
import {
  IdempotencyService,
  type Idempotent,
  type IdempotencyRequest,
} from '../idempotency/idempotency.service.js';
import type {
  ChunkListDto,
  ListChunksQueryDto,
  ListOrchestrationsQueryDto,
  OrchestrationDto,
  OrchestrationListDto,
  RetryFailedResponseDto,
} from './dto/orchestration.dto.js';
import { CompletionService } from './engine/completion.service.js';
import { EngineMetrics } from './engine/engine.metrics.js';
import { OrchestrationCache } from './orchestration-cache.service.js';
import { toChunkDto, toOrchestrationDto } from './orchestration.mapper.js';
import { SyncRecordsRepository } from '../import-report/sync-records.repository.js';
import { OrchestrationRepository } from './orchestration.repository.js';
import {
  canTransition,
  fromStatuses,
  TERMINAL_STATUSES,
  type OrchestrationTransition,
} from './orchestration-state.js';
import { QueueEtaService } from './queue-eta.service.js';
import { ReauthService } from './reauth.service.js';

/** Reads and user-driven transitions of orchestrations (retry-failed, pause, resume, cancel). */
@Injectable()
export class OrchestrationService {
  constructor(
    @InjectDb() private readonly db: Kysely<DB>,
    private readonly orchestrations: OrchestrationRepository,
    private readonly chunks: ChunksRepository,
    private readonly queue: ChunkQueue,
    private readonly idempotency: IdempotencyService,
    private readonly completion: CompletionService,
    private readonly analytics: AnalyticsService,
    private readonly metrics: EngineMetrics,
    private readonly cache: OrchestrationCache,
    private readonly reauth: ReauthService,
    private readonly eta: QueueEtaService,
    private readonly records: SyncRecordsRepository,
  ) {}

  /** One of the user's orchestrations, for the polled GET routes: from memory when it is unchanged. */
  async get(user: AuthUser, id: string): Promise<Orchestration> {
    const o = await this.cache.get(id, () => this.orchestrations.findById(id));
    if (!o || o.user_id !== user.userId) throw notFound('Orchestration');
    return o;
  }

  /** The queue-aware ETA of a running historical sync (undefined: the sync's own estimate applies). */
  queueSeconds(o: Orchestration): number | undefined {
    return this.eta.secondsRemaining(o);
  }

  async list(user: AuthUser, query: ListOrchestrationsQueryDto): Promise<OrchestrationListDto> {
    const limit = query.limit ?? 20;
    const rows = await this.orchestrations.listForUser(user.userId, {
      status: query.status,
      limit: limit + 1,
      afterId: decodeCursor(query.cursor),
    });
    const now = new Date();
    return page(rows, limit, (o) => toOrchestrationDto(o, now, this.queueSeconds(o)));
  }

  async listChunks(user: AuthUser, id: string, query: ListChunksQueryDto): Promise<ChunkListDto> {
    await this.get(user, id);
    const afterIndex = decodeIndexCursor(query.cursor);
    const rows = await this.chunks.list(id, {
      status: query.status,
      afterIndex,
      limit: query.limit === undefined ? undefined : query.limit + 1,
    });
    const items = query.limit === undefined ? rows : rows.slice(0, query.limit);
    const last = items.at(-1);
    return {
      items: items.map(toChunkDto),
      nextCursor:
        query.limit !== undefined && rows.length > query.limit && last ? encodeIndexCursor(last.idx) : null,
    };
  }

  /** US-32: FAILED chunks back to PENDING with new jobs, in one transaction. Idempotent by key. */
  async retryFailed(
    user: AuthUser,
    id: string,
    request: IdempotencyRequest<RetryFailedResponseDto>,
  ): Promise<Idempotent<RetryFailedResponseDto>> {
    const result = this.idempotency.run<RetryFailedResponseDto>(
      this.idempotency.scope(user.userId, request),
      async (trx) => {
        const o = await this.lockOwned(trx, user, id);
        if (o.failed_chunks === 0) throw invalidState('This sync has no failed chunks to retry');
        const retry = await this.requeueFailed(trx, o);
        if (!retry) {
          throw invalidState(
            `Cannot retry chunks of a ${o.status} sync${o.status === 'PAUSED' ? '; resume it first' : ''}`,
          );
        }
        return { orchestration: toOrchestrationDto(retry.orchestration), retriedChunks: retry.chunks };
      },
    );
    return result.finally(() => this.cache.invalidate(id));
  }

  /**
   * FAILED chunks (all, or those named) of a locked orchestration back to PENDING with new jobs;
   * failedChunks goes down by as many, the sync is IN_PROGRESS again (a new completion round when it
   * had ended). Undefined when the status does not allow it (paused, cancelled).
   */
  async requeueFailed(
    trx: Transaction<DB>,
    o: Orchestration,
    chunkIds?: string[],
  ): Promise<{ orchestration: Orchestration; chunks: number } | undefined> {
    if (!canTransition('retryFailed', o.status)) return undefined;
    const reset = await this.chunks.resetToPending(trx, o.id, ['FAILED'], {
      ids: chunkIds,
      fromTheStart: true,
    });
    if (reset.length === 0) return { orchestration: o, chunks: 0 };
    // their records that failed with record faults get a new budget of tries
    await this.records.resetFaults(
      trx,
      reset.map((c) => c.id),
    );
    await this.orchestrations.addToCounters(trx, o.id, { failed: -reset.length });
    const retried = (await this.orchestrations.transition(trx, o.id, [o.status], 'IN_PROGRESS', {
      completed: false,
      lastError: null,
      newRound: TERMINAL_STATUSES.includes(o.status),
    }))!;
    await this.queue.enqueue(trx, o, reset);
    await this.analytics.record(
      reset.map((c) => ({
        type: 'CHUNK_RETRIED' as const,
        userId: o.user_id,
        orchestrationId: o.id,
        properties: { index: c.idx, round: retried.round },
      })),
      trx,
    );
    return { orchestration: retried, chunks: reset.length };
  }

  /** Starts no new chunk; running ones finish. Queued jobs are cancelled and re-created on resume. */
  async pause(user: AuthUser, id: string): Promise<OrchestrationDto> {
    return this.transition(user, id, 'pause', async (trx, o) => {
      const jobIds = await this.chunks.detachPendingJobs(trx, o.id);
      await this.queue.cancel(trx, jobIds);
      return this.orchestrations.transition(trx, o.id, [o.status], 'PAUSED');
    });
  }

  /** A sync paused for a revoked grant resumes only once its connection's accounts are ACTIVE again. */
  async resume(user: AuthUser, id: string): Promise<OrchestrationDto> {
    return this.transition(user, id, 'resume', async (trx, o) => {
      if (o.pause_reason === 'REAUTH_REQUIRED' && !(await this.reauth.connectionUsable(o.connection_id, trx)))
        throw invalidState(
          'This sync waits for a provider account to be reconnected: POST /v1/connections/{id}/reauthorize first',
        );
      return this.reauth.resumeLocked(trx, o);
    });
  }

  /** Pending chunks are CANCELLED with their jobs; running ones finish; the sync ends CANCELLED. */
  async cancel(user: AuthUser, id: string): Promise<OrchestrationDto> {
    let chunks = 0;
    const dto = await this.transition(user, id, 'cancel', async (trx, o) => {
      const { orchestration: cancelled, cancelled: count } = await this.cancelLocked(trx, o);
      chunks = count;
      await this.analytics.record(
        {
          type: 'SYNC_COMPLETED',
          userId: o.user_id,
          orchestrationId: o.id,
          properties: { kind: o.kind, outcome: 'CANCELLED' },
        },
        trx,
      );
      return cancelled;
    });
    this.countCancelledChunks(chunks);
    return dto;
  }

  /**
   * Cancels every active sync of a connection (the connection is being deleted); returns how many
   * chunks were cancelled, for countCancelledChunks once the caller's transaction commits.
   */
  async cancelForConnection(trx: Transaction<DB>, connectionId: string): Promise<number> {
    let chunks = 0;
    for (const o of await this.orchestrations.listActiveForConnection(trx, connectionId))
      chunks += (await this.cancelLocked(trx, o)).cancelled;
    return chunks;
  }

  /** Cancels a locked orchestration; returns it and how many chunks were cancelled (for the metrics). */
  private async cancelLocked(
    trx: Transaction<DB>,
    o: Orchestration,
  ): Promise<{ orchestration: Orchestration | undefined; cancelled: number }> {
    const { jobIds, cancelled } = await this.chunks.cancelPending(trx, o.id);
    await this.queue.cancel(trx, jobIds);
    const orchestration = await this.orchestrations.transition(
      trx,
      o.id,
      fromStatuses('cancel'),
      'CANCELLED',
      {
        completed: true,
      },
    );
    return { orchestration, cancelled };
  }

  /** Counts chunks cancelled by a committed transaction (syncwell_chunks_total{outcome="cancelled"}). */
  countCancelledChunks(count: number): void {
    this.metrics.chunk('cancelled', undefined, count);
  }

  private async transition(
    user: AuthUser,
    id: string,
    verb: OrchestrationTransition & ('pause' | 'resume' | 'cancel'),
    change: (trx: Transaction<DB>, o: Orchestration) => Promise<Orchestration | undefined>,
  ): Promise<OrchestrationDto> {
    const { result, final } = await this.db.transaction().execute(async (trx) => {
      const o = await this.lockOwned(trx, user, id);
      if (!canTransition(verb, o.status)) throw invalidState(`Cannot ${verb} a ${o.status} sync`);
      const changed = (await change(trx, o)) ?? o;
      // chunks may all have finished while paused: resuming such a sync completes it
      const final = await this.completion.maybeFinalize(trx, changed);
      return { result: final ?? changed, final };
    });
    this.cache.invalidate(id);
    this.metrics.completed(final);
    return toOrchestrationDto(result);
  }

  private async lockOwned(trx: Transaction<DB>, user: AuthUser, id: string): Promise<Orchestration> {
    const o = await this.orchestrations.lockForUser(trx, id, user.userId);
    if (!o) throw notFound('Orchestration');
    return o;
  }
}
