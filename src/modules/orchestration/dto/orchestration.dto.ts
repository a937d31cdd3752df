import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { PageQueryDto } from '../../../common/http/page-query.dto.js';
import type { ChunkStatus, OrchestrationStatus } from '../../../database/schema.js';

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

  @ApiProperty()
  message!: string;

  @ApiProperty({ description: 'Whether retrying (retry-failed) may succeed' })
  retryable!: boolean;
}

export class RecordCountsDto {
  @ApiProperty({ description: 'Source records the sync has seen (rows of its import report)' })
  read!: number;

  @ApiProperty({ description: 'Written to the destination by this sync (IMPORTED)' })
  imported!: number;

  @ApiProperty({
    description:
      'Not written because the destination already had them (SKIPPED_DUPLICATE: a matching workout, or an earlier sync) or they were invalid (SKIPPED_INVALID)',
  })
  skipped!: number;

  @ApiProperty({ description: 'FAILED: the destination refused them, or their last attempt failed' })
  failed!: number;
}

export class OrchestrationStatusDto {
  @ApiProperty({ format: 'uuid' })
  orchestrationId!: string;

  @ApiProperty({ enum: ORCHESTRATION_STATUSES })
  status!: OrchestrationStatus;

  @ApiProperty()
  totalChunks!: number;

  @ApiProperty()
  completedChunks!: number;

  @ApiProperty()
  failedChunks!: number;

  @ApiProperty({ description: '(completed + failed) / total, in percent, one decimal' })
  progressPercent!: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'ETA from this sync’s observed pace, else the estimate; 0 when ended, null while paused',
  })
  estimatedSecondsRemaining!: number | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the sync is expected to end; null (not estimated by this version)',
  })
  estimatedCompletionAt!: string | null;

  @ApiProperty({
    type: RecordCountsDto,
    description:
      'Counts of the import report (GET .../records): read = imported + skipped + failed + pending',
  })
  records!: RecordCountsDto;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class OrchestrationDto extends OrchestrationStatusDto {
  @ApiProperty()
  userId!: string;

  @ApiProperty({ format: 'uuid' })
  connectionId!: string;

  @ApiProperty({ enum: ['HISTORICAL', 'INITIAL_7_DAY'] })
  kind!: string;

  @ApiProperty({ enum: ['fitbit', 'strava'] })
  source!: string;

  @ApiProperty({ enum: ['fitbit', 'strava'] })
  destination!: string;

  @ApiProperty({ example: '2025-11-23' })
  startDate!: string;

  @ApiProperty({
    enum: ['SKIP', 'IMPORT'],
    description:
      'SKIP: workouts the destination already holds are not written again; IMPORT: all are written',
  })
  duplicatePolicy!: string;

  @ApiProperty({ example: '2026-11-22' })
  endDate!: string;

  @ApiProperty({
    type: ErrorInfoDto,
    nullable: true,
    description: 'Why the sync failed as a whole (fatal errors)',
  })
  lastError!: ErrorInfoDto | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  completedAt!: string | null;
}

export class OrchestrationListDto {
  @ApiProperty({ type: [OrchestrationDto] })
  items!: OrchestrationDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class ChunkDto {
  @ApiProperty({ format: 'uuid' })
  chunkId!: string;

  @ApiProperty()
  index!: number;

  @ApiProperty({ example: '2025-11-23' })
  chunkStartDate!: string;

  @ApiProperty({ example: '2025-12-22' })
  chunkEndDate!: string;

  @ApiProperty({ enum: CHUNK_STATUSES })
  status!: ChunkStatus;

  @ApiProperty({ description: 'Runs started (rate-limit reschedules are not counted)' })
  attempts!: number;

  @ApiProperty({ description: 'Source records this chunk has seen (its rows in the import report)' })
  recordsRead!: number;

  @ApiProperty({ description: 'Written to the destination by this sync (IMPORTED rows)' })
  recordsWritten!: number;

  @ApiProperty({
    description:
      'Not written: already at the destination (a matching workout, or written by an earlier sync) or invalid (SKIPPED_DUPLICATE and SKIPPED_INVALID rows). A record already at the destination is never counted as written.',
  })
  recordsSkipped!: number;

  @ApiProperty({ type: ErrorInfoDto, nullable: true })
  lastError!: ErrorInfoDto | null;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class ChunkListDto {
  @ApiProperty({ type: [ChunkDto] })
  items!: ChunkDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Set when `limit` cut the list short' })
  nextCursor!: string | null;
}

export class RetryFailedResponseDto {
  @ApiProperty({ type: OrchestrationDto })
  orchestration!: OrchestrationDto;

  @ApiProperty({ description: 'How many FAILED chunks were queued again' })
  retriedChunks!: number;
}

export class ListOrchestrationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ORCHESTRATION_STATUSES })
  @IsOptional()
  @IsIn(ORCHESTRATION_STATUSES, { message: `status must be one of ${ORCHESTRATION_STATUSES.join(', ')}` })
  status?: OrchestrationStatus;
}

export class ListChunksQueryDto {
  @ApiPropertyOptional({ enum: CHUNK_STATUSES })
  @IsOptional()
  @IsIn(CHUNK_STATUSES, { message: `status must be one of ${CHUNK_STATUSES.join(', ')}` })
  status?: ChunkStatus;

  @ApiPropertyOptional({ minimum: 1, maximum: 120, description: 'Default: every chunk (at most 120)' })
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
