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

  @ApiProperty({ description: 'Queued and due now' })
  ready!: number;

  @ApiProperty({ description: 'Queued for later (backoff, rate-limit reschedules)' })
  deferred!: number;

  @ApiProperty({ description: 'Failed attempts waiting for their retry' })
  retry!: number;

  @ApiProperty()
  active!: number;

  @ApiProperty()
  failed!: number;

  @ApiProperty({ description: 'Completed and still retained' })
  completed!: number;

  @ApiProperty()
  cancelled!: number;
}

export class QueueListDto {
  @ApiProperty({ type: [QueueDto] })
  items!: QueueDto[];
}

export class DeadLetterChunkDto {
  @ApiProperty({ format: 'uuid' })
  chunkId!: string;

  @ApiProperty({ format: 'uuid' })
  orchestrationId!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The chunk’s status now (FAILED until redriven)',
  })
  status!: string | null;
}

export class DeadLetterDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'chunk.dead' })
  queue!: string;

  @ApiProperty({ type: String, nullable: true, example: 'chunk.process' })
  sourceQueue!: string | null;

  @ApiProperty({ type: String, nullable: true })
  sourceJobId!: string | null;

  @ApiProperty({ description: 'State of the dead-letter job (completed once handled)' })
  state!: string;

  @ApiProperty({ type: Object, nullable: true, description: 'The last error of the job that died' })
  error!: { code?: string; message?: string } | null;

  @ApiProperty({ type: Object })
  data!: Record<string, unknown>;

  @ApiProperty({ type: DeadLetterChunkDto, nullable: true })
  chunk!: DeadLetterChunkDto | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class DeadLetterListDto {
  @ApiProperty({ type: [DeadLetterDto] })
  items!: DeadLetterDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class DeadLetterQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: DEAD_LETTER_QUEUES })
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
    enum: [true],
    description:
      'Redrive every dead-letter queue (up to `limit` each); cannot be combined with `queue` or `ids`',
  })
  @IsOptional()
  @Equals(true, { message: 'all must be true when given' })
  all?: true;

  @ApiPropertyOptional({ enum: DEAD_LETTER_QUEUES, description: 'Only this dead-letter queue' })
  @IsOptional()
  @IsIn(DEAD_LETTER_QUEUES)
  queue?: string;

  @ApiPropertyOptional({ type: [String], description: 'Only these dead-letter job ids' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  ids?: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class RedriveResultDto {
  @ApiProperty({ description: 'Jobs sent back to run' })
  redriven!: number;

  @ApiProperty({ description: 'Dead letters left in place (their sync is paused or cancelled)' })
  skipped!: number;
}
