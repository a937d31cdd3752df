import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  Equals,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsUUID,
  Max,
  Min,
} from 'class-validator';
import { PageQueryDto } from '../../../common/http/page-query.dto.js';
import { DEAD_LETTER_QUEUES } from '../../../jobs/job-names.js';

export class QueueDto {
  @ApiProperty({ example: 'chunk.process' })
  name!: string;

  @ApiProperty({ type: String, nullable: true, example: 'chunk.dead' })
  deadLetter!: string | null;

  @ApiProperty({ example: 3, description: 'Queued and due now' })
  ready!: number;

  @ApiProperty({ example: 1, description: 'Queued for later (backoff, rate-limit reschedules)' })
  deferred!: number;

  @ApiProperty({ example: 0, description: 'Failed attempts waiting for their retry' })
  retry!: number;

  @ApiProperty({ example: 8 })
  active!: number;

  @ApiProperty({ example: 0 })
  failed!: number;

  @ApiProperty({ example: 412, description: 'Completed and still retained' })
  completed!: number;

  @ApiProperty({ example: 0 })
  cancelled!: number;
}

export class QueueListDto {
  @ApiProperty({ type: [QueueDto] })
  items!: QueueDto[];
}

export class DeadLetterChunkDto {
  @ApiProperty({ example: '3c1d7e0a-58f4-4b8e-9a0d-2e6f4b7c9d10', format: 'uuid' })
  chunkId!: string;

  @ApiProperty({ example: '6179a1ec-9d9c-45dc-ac8d-05a45ecce1fa', format: 'uuid' })
  orchestrationId!: string;

  @ApiProperty({
    example: 'FAILED',
    type: String,
    nullable: true,
    description: 'The chunk’s status now (FAILED until redriven)',
  })
  status!: string | null;
}

export class DeadLetterDto {
  @ApiProperty({ example: '7d3e1f20-4a5b-4c6d-8e9f-0a1b2c3d4e5f', format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'chunk.dead' })
  queue!: string;

  @ApiProperty({ type: String, nullable: true, example: 'chunk.process' })
  sourceQueue!: string | null;

  @ApiProperty({ example: '1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a0b', type: String, nullable: true })
  sourceJobId!: string | null;

  @ApiProperty({ example: 'completed', description: 'State of the dead-letter job (completed once handled)' })
  state!: string;

  @ApiProperty({
    example: { code: 'PROVIDER_UNAVAILABLE', message: 'Strava answered 503' },
    type: Object,
    nullable: true,
    description: 'The last error of the job that died',
  })
  error!: { code?: string; message?: string } | null;

  @ApiProperty({
    example: {
      chunkId: '3c1d7e0a-58f4-4b8e-9a0d-2e6f4b7c9d10',
      orchestrationId: '6179a1ec-9d9c-45dc-ac8d-05a45ecce1fa',
    },
    type: Object,
  })
  data!: Record<string, unknown>;

  @ApiProperty({ type: DeadLetterChunkDto, nullable: true })
  chunk!: DeadLetterChunkDto | null;

  @ApiProperty({ example: '2026-12-02T03:32:41.120Z', format: 'date-time' })
  createdAt!: string;
}

export class DeadLetterListDto {
  @ApiProperty({ type: [DeadLetterDto] })
  items!: DeadLetterDto[];

  @ApiProperty({ example: null, type: String, nullable: true })
  nextCursor!: string | null;
}

export class DeadLetterQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'chunk.dead', enum: DEAD_LETTER_QUEUES })
  @IsOptional()
  @IsIn(DEAD_LETTER_QUEUES)
  queue?: string;
}

/**
 * What to redrive, stated explicitly: `ids`, a `queue`, or `all: true` (every dead-letter queue).
 * No body, or `{}`, is 422: a mis-sent request must not mean "everything".
 */
export class RedriveDto {
  @ApiPropertyOptional({
    example: true,
    enum: [true],
    description:
      'Redrive every dead-letter queue (up to `limit` each); cannot be combined with `queue` or `ids`',
  })
  @IsOptional()
  @Equals(true, { message: 'all must be true when given' })
  all?: true;

  @ApiPropertyOptional({
    example: 'chunk.dead',
    enum: DEAD_LETTER_QUEUES,
    description: 'Only this dead-letter queue',
  })
  @IsOptional()
  @IsIn(DEAD_LETTER_QUEUES)
  queue?: string;

  @ApiPropertyOptional({
    example: ['7d3e1f20-4a5b-4c6d-8e9f-0a1b2c3d4e5f'],
    type: [String],
    description: 'Only these dead-letter job ids',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  ids?: string[];

  @ApiPropertyOptional({ example: 100, minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class RedriveResultDto {
  @ApiProperty({ example: 1, description: 'Jobs sent back to run' })
  redriven!: number;

  @ApiProperty({ example: 0, description: 'Dead letters left in place (their sync is paused or cancelled)' })
  skipped!: number;
}
