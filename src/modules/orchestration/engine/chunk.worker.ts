import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Job, JobWithMetadata } from '../../../jobs/job.types.js';
import type { ErrorInfo, ProviderName } from '../../../database/schema.js';
import { DeadLetterError } from '../../../jobs/job-errors.js';
import { JobName, type ChunkJobData } from '../../../jobs/job-names.js';
import { OnJob } from '../../../jobs/on-job.decorator.js';
import { ChunksRepository } from '../../chunks/chunks.repository.js';
import { CHUNK_PROCESSOR, type ChunkProcessor } from '../../chunks/chunk-processor.js';
import { ProviderMetrics } from '../../providers/http/provider-metrics.js';
import { ProviderError } from '../../providers/provider-errors.js';
import { ChunkEngine, type ChunkRun } from './chunk-engine.service.js';
import { chunkOutcomeOf } from './chunk-outcome.js';

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
    @Inject(CHUNK_PROCESSOR) private readonly processor: ChunkProcessor,
    private readonly providerMetrics: ProviderMetrics,
  ) {}

  @OnJob(JobName.ChunkProcess)
  async process(job: Job<ChunkJobData>): Promise<void> {
    const outcome = await this.engine.start(job.data.chunkId, job.id);
    if (outcome.kind === 'skip') return;
    const { context } = outcome;
    const run: ChunkRun = { context, jobId: job.id, retryCount: job.retryCount };
    if (outcome.kind === 'busy') return this.engine.deferBusy(run);

    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const result = await this.processor.processChunk(
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
      await this.engine.complete(run, result, seconds());
    } catch (error) {
      await this.settleFailure(run, error, seconds());
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

  /** What the failure means for the chunk (chunk-outcome.ts), carried out. */
  private async settleFailure(run: ChunkRun, error: unknown, seconds: number) {
    if (error instanceof ProviderError) this.providerMetrics.fault(error);
    const outcome = chunkOutcomeOf(error);
    switch (outcome.kind) {
      case 'reschedule':
        return this.engine.reschedule(run, outcome);
      case 'defer':
        return this.engine.defer(run, outcome);
      case 'reauth':
        return this.engine.pauseForRevokedGrant(run, outcome);
      case 'fatal':
        return this.engine.failFatally(run, outcome.error);
      case 'permanent':
        await this.engine.recordPermanentError(run, outcome.error);
        throw new DeadLetterError(outcome.error.message, outcome.error.code);
      case 'wait':
        if (outcome.alert) this.logger.error(`chunk ${run.context.id} waits: ${outcome.error.message}`);
        if (await this.engine.waitOut(run, outcome)) return;
        break; // the outage outlasted its bound: this attempt counts
      case 'retry':
        break;
    }
    await this.engine.releaseForRetry(run, outcome.error, seconds);
    throw error instanceof Error ? error : new Error(outcome.error.message);
  }
}
