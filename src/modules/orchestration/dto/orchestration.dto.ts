import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { PageQueryDto } from '../../../common/http/page-query.dto.js';
import type { ChunkStatus, OrchestrationStatus } from '../../../database/schema.js';
import { EXAMPLE_PROVIDERS, PROVIDER_IDS } from '../../providers/provider-descriptors.js';

export const ORCHESTRATION_STATUSES: OrchestrationStatus[] = [
  'PENDING',
  'IN_PROGRESS',
  'PAUSED',
  'COMPLETED',
  'COMPLETED_WITH_ERRORS',
  'FAILED',
  'CANCELLED',
];
export const CHUNK_STATUSES: ChunkStatus[] = ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'];

export class ErrorInfoDto {
  @ApiProperty({ example: 'PROVIDER_AUTH_REVOKED' })
  code!: string;

  @ApiProperty({ example: 'Strava answered 503 three times; the chunk can be retried' })
  message!: string;

  @ApiProperty({ example: true, description: 'Whether retrying (retry-failed) may succeed' })
  retryable!: boolean;
}

export class RecordCountsDto {
  @ApiProperty({ example: 120, description: 'Source records the sync has seen (rows of its import report)' })
  read!: number;

  @ApiProperty({ example: 80, description: 'Written to the destination by this sync (IMPORTED)' })
  imported!: number;

  @ApiProperty({
    example: 38,
    description:
      'Not written because the destination already had them (SKIPPED_DUPLICATE: a matching workout, or an earlier sync) or they were invalid (SKIPPED_INVALID)',
  })
  skipped!: number;

  @ApiProperty({
    example: 2,
    description: 'FAILED: the destination refused them, or their last attempt failed',
  })
  failed!: number;
}

export class WaitingDto {
  @ApiProperty({
    example: 'PROVIDER_UNAVAILABLE',
    enum: ['PROVIDER_UNAVAILABLE', 'PROVIDER_RATE_LIMITED'],
    description:
      'PROVIDER_UNAVAILABLE: the provider is down or not answering (an outage; no attempt is used while it lasts); PROVIDER_RATE_LIMITED: its quota is spent until retryAt',
  })
  reason!: 'PROVIDER_UNAVAILABLE' | 'PROVIDER_RATE_LIMITED';

  @ApiProperty({ example: EXAMPLE_PROVIDERS.source, enum: PROVIDER_IDS })
  provider!: string;

  @ApiProperty({
    example: '2026-12-07T09:12:03.000Z',
    format: 'date-time',
    description: 'Since when the sync has been waiting for this',
  })
  since!: string;

  @ApiProperty({
    example: '2026-12-07T09:14:40.000Z',
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the next try is due; null when unknown',
  })
  retryAt!: string | null;
}

export class OrchestrationStatusDto {
  @ApiProperty({ example: '6179a1ec-9d9c-45dc-ac8d-05a45ecce1fa', format: 'uuid' })
  orchestrationId!: string;

  @ApiProperty({ example: 'IN_PROGRESS', enum: ORCHESTRATION_STATUSES })
  status!: OrchestrationStatus;

  @ApiProperty({ example: 12 })
  totalChunks!: number;

  @ApiProperty({ example: 5 })
  completedChunks!: number;

  @ApiProperty({ example: 0 })
  failedChunks!: number;

  @ApiProperty({ example: 41.7, description: '(completed + failed) / total, in percent, one decimal' })
  progressPercent!: number;

  @ApiProperty({
    example: 44,
    type: Number,
    nullable: true,
    description:
      'ETA: while syncs are queued for the same provider budgets, the work ahead of this one in the fair queue at ' +
      'the rate chunks finish now (recomputed every few seconds); otherwise this sync’s observed pace, else the ' +
      'estimate; 0 when ended, null while paused',
  })
  estimatedSecondsRemaining!: number | null;

  @ApiProperty({
    example: '2026-12-02T05:12:41.000Z',
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'When the sync is expected to end (now + estimatedSecondsRemaining) while PENDING or IN_PROGRESS; null while paused or once ended',
  })
  estimatedCompletionAt!: string | null;

  @ApiProperty({
    example: { read: 120, imported: 80, skipped: 38, failed: 2 },
    type: RecordCountsDto,
    description:
      'Counts of the import report (GET .../records): read = imported + skipped + failed + pending',
  })
  records!: RecordCountsDto;

  @ApiProperty({
    example: {
      reason: 'PROVIDER_UNAVAILABLE',
      provider: EXAMPLE_PROVIDERS.source,
      since: '2026-12-07T09:12:03.000Z',
      retryAt: '2026-12-07T09:14:40.000Z',
    },
    type: WaitingDto,
    nullable: true,
    description:
      'Why the bar does not move: set while the sync’s next chunk waits for a provider (an outage, or a spent quota), so the app can say "Fitbit is not answering; we keep trying"; null otherwise',
  })
  waiting!: WaitingDto | null;

  @ApiProperty({ example: '2026-12-02T03:31:48.514Z', format: 'date-time' })
  updatedAt!: string;
}

export class OrchestrationDto extends OrchestrationStatusDto {
  @ApiProperty({
    example: null,
    enum: ['USER', 'REAUTH_REQUIRED'],
    nullable: true,
    type: String,
    description:
      'Why a PAUSED sync is paused: USER (pause route) or REAUTH_REQUIRED (a provider grant was revoked; reconnect with POST /v1/connections/{id}/reauthorize and it resumes); null otherwise',
  })
  pauseReason!: 'USER' | 'REAUTH_REQUIRED' | null;

  @ApiProperty({ example: 'alice' })
  userId!: string;

  @ApiProperty({ example: 'bec49b8f-2e03-4f23-bdbf-59a1e31adca1', format: 'uuid' })
  connectionId!: string;

  @ApiProperty({ example: 'HISTORICAL', enum: ['HISTORICAL', 'INITIAL_7_DAY'] })
  kind!: string;

  @ApiProperty({ example: EXAMPLE_PROVIDERS.source, enum: PROVIDER_IDS })
  source!: string;

  @ApiProperty({ example: EXAMPLE_PROVIDERS.destination, enum: PROVIDER_IDS })
  destination!: string;

  @ApiProperty({ example: '2025-11-23' })
  startDate!: string;

  @ApiProperty({
    example: 'SKIP',
    enum: ['SKIP', 'IMPORT'],
    description:
      'SKIP: workouts the destination already holds are not written again; IMPORT: all are written',
  })
  duplicatePolicy!: string;

  @ApiProperty({ example: '2026-11-22' })
  endDate!: string;

  @ApiProperty({
    example: null,
    type: ErrorInfoDto,
    nullable: true,
    description:
      'Why a FAILED or COMPLETED_WITH_ERRORS sync did not fully succeed: the fatal error, or the last failed chunk’s error with how many chunks failed (GET .../chunks?status=FAILED lists them); null otherwise',
  })
  lastError!: ErrorInfoDto | null;

  @ApiProperty({ example: '2026-12-02T03:31:16.023Z', format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ example: null, type: String, format: 'date-time', nullable: true })
  completedAt!: string | null;
}

export class OrchestrationListDto {
  @ApiProperty({ type: [OrchestrationDto] })
  items!: OrchestrationDto[];

  @ApiProperty({ example: null, type: String, nullable: true })
  nextCursor!: string | null;
}

export class ChunkDto {
  @ApiProperty({ example: '3c1d7e0a-58f4-4b8e-9a0d-2e6f4b7c9d10', format: 'uuid' })
  chunkId!: string;

  @ApiProperty({ example: 0 })
  index!: number;

  @ApiProperty({ example: '2025-11-23' })
  chunkStartDate!: string;

  @ApiProperty({ example: '2025-12-22' })
  chunkEndDate!: string;

  @ApiProperty({ example: 'COMPLETED', enum: CHUNK_STATUSES })
  status!: ChunkStatus;

  @ApiProperty({ example: 1, description: 'Runs started (rate-limit reschedules are not counted)' })
  attempts!: number;

  @ApiProperty({
    example: 17,
    description: 'Source records this chunk has seen (its rows in the import report)',
  })
  recordsRead!: number;

  @ApiProperty({ example: 12, description: 'Written to the destination by this sync (IMPORTED rows)' })
  recordsWritten!: number;

  @ApiProperty({
    example: 5,
    description:
      'Not written: already at the destination (a matching workout, or written by an earlier sync) or invalid (SKIPPED_DUPLICATE and SKIPPED_INVALID rows). A record already at the destination is never counted as written.',
  })
  recordsSkipped!: number;

  @ApiProperty({ example: null, type: ErrorInfoDto, nullable: true })
  lastError!: ErrorInfoDto | null;

  @ApiProperty({ example: '2026-12-02T03:31:22.871Z', format: 'date-time' })
  updatedAt!: string;
}

export class ChunkListDto {
  @ApiProperty({ type: [ChunkDto] })
  items!: ChunkDto[];

  @ApiProperty({
    example: null,
    type: String,
    nullable: true,
    description: 'Set when `limit` cut the list short',
  })
  nextCursor!: string | null;
}

export class RetryFailedResponseDto {
  @ApiProperty({ type: OrchestrationDto })
  orchestration!: OrchestrationDto;

  @ApiProperty({ example: 2, description: 'How many FAILED chunks were queued again' })
  retriedChunks!: number;
}

export class ListOrchestrationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'COMPLETED', enum: ORCHESTRATION_STATUSES })
  @IsOptional()
  @IsIn(ORCHESTRATION_STATUSES, { message: `status must be one of ${ORCHESTRATION_STATUSES.join(', ')}` })
  status?: OrchestrationStatus;
}

export class ListChunksQueryDto {
  @ApiPropertyOptional({ example: 'FAILED', enum: CHUNK_STATUSES })
  @IsOptional()
  @IsIn(CHUNK_STATUSES, { message: `status must be one of ${CHUNK_STATUSES.join(', ')}` })
  status?: ChunkStatus;

  @ApiPropertyOptional({
    example: 12,
    minimum: 1,
    maximum: 120,
    description: 'Default: every chunk (at most 120)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer from 1 to 120' })
  @Min(1, { message: 'limit must be an integer from 1 to 120' })
  @Max(120, { message: 'limit must be an integer from 1 to 120' })
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;
}
