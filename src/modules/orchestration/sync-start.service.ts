import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Kysely, Transaction } from 'kysely';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { ProblemException, notFound, validationFailed } from '../../common/errors/problem.exception.js';
import type {
  Connection,
  DB,
  DuplicatePolicy,
  Orchestration,
  OrchestrationKind,
  RangePreset,
} from '../../database/schema.js';
import { AnalyticsService } from '../analytics/analytics.service.js';
import { ChunkQueue } from '../chunks/chunk-queue.js';
import { ChunksRepository } from '../chunks/chunks.repository.js';
import { CHUNK_PROCESSOR, type ChunkProcessor } from '../chunks/chunk-processor.js';
import { AppConfig } from '../../config/app-config.js';
import { ConnectionStoreRepository } from '../connection-store/connection-store.repository.js';
import {
  IdempotencyService,
  type Idempotent,
  type IdempotencyRequest,
} from '../idempotency/idempotency.service.js';
import { todayIn } from '../../common/civil-date.js';
import { resolveRange, splitIntoChunks, type DateRange, type RangeRequest } from './date-range.js';
import type { EstimateDto } from './dto/estimate.dto.js';
import type { OrchestrationDto } from './dto/orchestration.dto.js';
import type { CreateHistoricalSyncDto, EstimateQueryDto } from './dto/range.dto.js';
import { EstimateService } from './estimate.service.js';
import { QueueEtaService } from './queue-eta.service.js';
import { toOrchestrationDto } from './orchestration.mapper.js';
import { OrchestrationRepository } from './orchestration.repository.js';

const ONE_ACTIVE_HISTORICAL = 'orchestrations_one_active_historical';

/**
 * Starting syncs: resolves and validates the range in the connection's time zone, splits it into
 * one-month chunks and, in ONE transaction, writes the orchestration, its chunks and one job per
 * chunk (plus, for API requests, the idempotency record).
 */
@Injectable()
export class SyncStartService {
  constructor(
    private readonly connections: ConnectionStoreRepository,
    private readonly orchestrations: OrchestrationRepository,
    private readonly chunks: ChunksRepository,
    private readonly queue: ChunkQueue,
    private readonly idempotency: IdempotencyService,
    private readonly estimates: EstimateService,
    private readonly eta: QueueEtaService,
    private readonly analytics: AnalyticsService,
    @Inject(CHUNK_PROCESSOR) private readonly processor: ChunkProcessor,
    private readonly config: AppConfig,
  ) {}

  async estimate(user: AuthUser, connectionId: string, query: EstimateQueryDto): Promise<EstimateDto> {
    const connection = await this.connection(user, connectionId);
    const range = await this.resolve(connection, query, '');
    const chunks = splitIntoChunks(range).length;
    return this.estimates.estimate(
      connection.source_provider,
      connection.destination_provider,
      range,
      chunks,
      await this.eta.forNewSync(chunks),
      await this.knownRecords(connection, range),
    );
  }

  async create(
    user: AuthUser,
    connectionId: string,
    body: CreateHistoricalSyncDto,
    request: IdempotencyRequest<OrchestrationDto>,
  ): Promise<Idempotent<OrchestrationDto>> {
    const idempotencyScope = this.idempotency.scope(user.userId, request);
    const replay = await this.idempotency.lookup(idempotencyScope);
    if (replay) return replay;

    const connection = await this.connection(user, connectionId);
    const range = await this.resolve(connection, body.range, 'range.');
    try {
      return await this.idempotency.run(idempotencyScope, async (trx) => {
        await this.assertNoActiveHistorical(connection.id, trx);
        await this.assertUnderSyncCap(trx, user.userId);
        const o = await this.launch(
          trx,
          connection,
          'HISTORICAL',
          body.range.preset,
          range,
          body.duplicatePolicy,
        );
        await this.analytics.record(
          {
            type: 'SYNC_REQUESTED',
            userId: user.userId,
            orchestrationId: o.id,
            properties: { kind: 'HISTORICAL', preset: body.range.preset, chunks: o.total_chunks },
          },
          trx,
        );
        return toOrchestrationDto(o);
      });
    } catch (error) {
      // A concurrent request with another key won the partial unique index.
      if ((error as { constraint?: string }).constraint === ONE_ACTIVE_HISTORICAL) {
        await this.assertNoActiveHistorical(connection.id);
      }
      throw error;
    }
  }

  /** US-31: the automatic last-7-days sync of a new connection, for every tier, in the caller's transaction. */
  async startInitialSync(trx: Transaction<DB>, connection: Connection): Promise<Orchestration> {
    const range = resolveRange({ preset: 'LAST_7_DAYS' }, todayIn(connection.timezone));
    if (!range.ok) throw new Error('the 7-day range cannot be invalid');
    return this.launch(trx, connection, 'INITIAL_7_DAY', 'LAST_7_DAYS', range.range);
  }

  private async launch(
    trx: Transaction<DB>,
    connection: Connection,
    kind: OrchestrationKind,
    preset: RangePreset,
    range: DateRange,
    duplicatePolicy: DuplicatePolicy = 'SKIP',
  ): Promise<Orchestration> {
    const ranges = splitIntoChunks(range);
    const estimate = this.estimates.estimate(
      connection.source_provider,
      connection.destination_provider,
      range,
      ranges.length,
      kind === 'HISTORICAL' ? await this.eta.forNewSync(ranges.length, false) : undefined,
      await this.knownRecords(connection, range),
    );
    const o = await this.orchestrations.insert(trx, {
      user_id: connection.user_id,
      connection_id: connection.id,
      kind,
      source_provider: connection.source_provider,
      destination_provider: connection.destination_provider,
      range_preset: preset,
      start_date: range.startDate,
      end_date: range.endDate,
      status: 'PENDING',
      total_chunks: ranges.length,
      estimated_seconds: estimate.estimatedSeconds,
      duplicate_policy: duplicatePolicy,
    });
    const chunks = await this.chunks.insertMany(
      trx,
      ranges.map((r) => ({
        orchestration_id: o.id,
        idx: r.index,
        start_date: r.startDate,
        end_date: r.endDate,
        job_id: randomUUID(),
        updated_at: new Date(),
      })),
    );
    await this.queue.enqueue(trx, o, chunks);
    return o;
  }

  /** The records the source says the range holds (an archive knows), else undefined (the cost model's guess). */
  private async knownRecords(connection: Connection, range: DateRange): Promise<number | undefined> {
    return (await this.processor.recordsIn?.(connection, range)) ?? undefined;
  }

  /** 404 NOT_FOUND unless the connection is the caller's (checked before the Pro check). */
  async assertOwnedConnection(user: AuthUser, connectionId: string): Promise<void> {
    await this.connection(user, connectionId);
  }

  private async connection(user: AuthUser, connectionId: string): Promise<Connection> {
    const connection = await this.connections.findForUser(connectionId, user.userId);
    if (!connection) throw notFound('Connection');
    return connection;
  }

  private async resolve(connection: Connection, request: RangeRequest, prefix: string): Promise<DateRange> {
    const span = request.preset === 'ALL_TIME' ? await this.processor.dataSpan(connection) : undefined;
    const today = todayIn(connection.timezone);
    // a source whose history ends (an archive): ALL_TIME ends with it, unless the caller says otherwise
    const end = request.endDate ?? (span?.last && span.last < today ? span.last : undefined);
    const result = resolveRange({ ...request, endDate: end }, today, span?.first, prefix);
    if (!result.ok) throw validationFailed(result.errors);
    return result.range;
  }

  /** The per-user cap on HISTORICAL syncs that are PENDING, IN_PROGRESS or PAUSED at once. */
  private async assertUnderSyncCap(trx: Transaction<DB>, userId: string): Promise<void> {
    const max = this.config.limits.activeHistoricalSyncsPerUser;
    if ((await this.orchestrations.countActiveHistoricalForUser(trx, userId)) >= max) {
      throw new ProblemException(
        409,
        ErrorCode.SyncLimitReached,
        `At most ${max} historical syncs may be active at once; wait for one to finish, or cancel one`,
        { limit: max },
      );
    }
  }

  private async assertNoActiveHistorical(connectionId: string, executor?: Kysely<DB>): Promise<void> {
    const active = await this.orchestrations.findActiveHistorical(connectionId, executor);
    if (active) {
      throw new ProblemException(
        409,
        ErrorCode.SyncAlreadyActive,
        `This connection already has a historical sync in status ${active.status}`,
        { orchestrationId: active.id },
      );
    }
  }
}
