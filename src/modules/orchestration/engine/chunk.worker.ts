import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Job, JobWithMetadata } from 'pg-boss';
import type { ErrorInfo, ProviderName } from '../../../database/schema.js';
import { DeadLetterError } from '../../../jobs/job-errors.js';
import { JobName, type ChunkJobData } from '../../../jobs/job-names.js';
import { OnJob } from '../../../jobs/on-job.decorator.js';
import { ChunksRepository, type ChunkContextRow } from '../../chunks/chunks.repository.js';
import {
  FatalSyncError,
  PermanentChunkError,
  RateLimitedError,
  toErrorInfo,
} from '../../chunks/chunk-errors.js';
import { SYNC_CONNECTOR, type SyncConnector } from '../../chunks/sync-connector.js';
import { ChunkEngine } from './chunk-engine.service.js';

/**
 * The chunk queue's handler (PRD §31.4): run one month of one sync, then record the outcome.
 * The dead-letter handler marks chunks whose retries are spent (or whose error was permanent) FAILED.
 */
@Injectable()
export class ChunkWorker {
  private readonly logger = new Logger(ChunkWorker.name);

  constructor(
    private readonly chunks: ChunksRepository,
    private readonly engine: ChunkEngine,
    @Inject(SYNC_CONNECTOR) private readonly connector: SyncConnector,
  ) {}

  @OnJob(JobName.ChunkProcess)
  async process(job: Job<ChunkJobData>): Promise<void> {
    const outcome = await this.engine.start(job.data.chunkId, job.id);
    if (outcome.kind === 'skip') return;
    const { context } = outcome;
    if (outcome.kind === 'busy') return this.engine.deferBusy(context, job.id, job.retryCount);

    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const result = await this.connector.processChunk(
        {
          chunkId: context.id,
          orchestrationId: context.orchestration_id,
          userId: context.user_id,
          connectionId: context.connection_id,
          source: context.source_provider as ProviderName,
          destination: context.destination_provider as ProviderName,
          sourceAccountId: context.source_account_id,
          destinationAccountId: context.destination_account_id,
          timezone: context.timezone,
          startDate: context.start_date,
          endDate: context.end_date,
          attempt: outcome.attempts,
          cursor: context.cursor,
        },
        {
          signal: job.signal,
          saveProgress: (progress) => this.chunks.saveProgress(context.id, job.id, progress),
        },
      );
      await this.engine.complete(context, job.id, result, seconds());
    } catch (error) {
      await this.settleFailure(context, job, error, seconds());
    }
  }

  @OnJob(JobName.ChunkDeadLetter)
  async deadLetter(job: JobWithMetadata<ChunkJobData>): Promise<void> {
    const output = (job.sourceOutput ?? {}) as { message?: string; code?: string };
    const context = await this.chunks.findContext(job.data.chunkId);
    const error: ErrorInfo = context?.last_error ?? {
      code: output.code ?? 'CHUNK_RETRIES_EXHAUSTED',
      message: output.message ?? 'The chunk failed after every retry',
      retryable: true,
    };
    const failed = await this.engine.fail(
      job.data.orchestrationId,
      job.data.chunkId,
      job.sourceId ?? null,
      error,
    );
    if (failed) this.logger.warn(`chunk ${job.data.chunkId} dead-lettered: ${error.code} ${error.message}`);
  }

  private async settleFailure(
    context: ChunkContextRow,
    job: Job<ChunkJobData>,
    error: unknown,
    seconds: number,
  ) {
    if (error instanceof RateLimitedError) {
      await this.engine.reschedule(context, job.id, job.retryCount, error);
      return;
    }
    const info = toErrorInfo(error);
    if (error instanceof FatalSyncError) {
      await this.engine.failFatally(context, job.id, info);
      return;
    }
    if (error instanceof PermanentChunkError) {
      await this.engine.recordPermanentError(context, job.id, info);
      throw new DeadLetterError(info.message, info.code);
    }
    await this.engine.releaseForRetry(context, job.id, info, seconds);
    throw error instanceof Error ? error : new Error(info.message);
  }
}
