import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from '../../../common/http/page-query.dto.js';
import type { SyncRecordStatus } from '../../../database/schema.js';

export const RECORD_STATUSES: SyncRecordStatus[] = [
  'IMPORTED',
  'SKIPPED_DUPLICATE',
  'SKIPPED_INVALID',
  'FAILED',
  'PENDING',
];

export class RecordReasonDto {
  @ApiProperty({
    example: 'DUPLICATE_AT_DESTINATION',
    description:
      'DUPLICATE_AT_DESTINATION (the destination holds the same workout), SOURCE_DUPLICATE (two recordings of one workout at the source; the richer one was kept), ALREADY_SYNCED (an earlier sync imported it), ALREADY_AT_DESTINATION (the destination refused the write as a duplicate, e.g. Strava for an upload starting when another activity does), INVALID_RECORD, DESTINATION_REJECTED, or the error code of a failed attempt (PROVIDER_UNAVAILABLE, ...)',
  })
  code!: string;

  @ApiProperty()
  message!: string;
}

export class RecordLinkDto {
  @ApiProperty({ description: "The record's id at the destination provider" })
  recordId!: string;

  @ApiProperty({ example: 'https://www.strava.com/activities/123456' })
  url!: string;
}

export class SyncRecordDto {
  @ApiProperty({ description: "The record's id at the source provider" })
  sourceRecordId!: string;

  @ApiProperty({ format: 'uuid' })
  chunkId!: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'null for an invalid record without a readable start',
  })
  startTime!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'RUN',
    description: 'The canonical sport (RUN, RIDE, WALK, HIKE, SWIM, ...); null for an invalid record',
  })
  sportType!: string | null;

  @ApiProperty({ enum: RECORD_STATUSES })
  status!: SyncRecordStatus;

  @ApiProperty({ type: RecordReasonDto, nullable: true })
  reason!: RecordReasonDto | null;

  @ApiProperty({ type: RecordLinkDto, nullable: true, description: 'Where this sync wrote it (IMPORTED)' })
  destination!: RecordLinkDto | null;

  @ApiProperty({
    type: RecordLinkDto,
    nullable: true,
    description: 'The destination record it was not written because of (SKIPPED_DUPLICATE)',
  })
  duplicateOf!: RecordLinkDto | null;
}

export class SyncRecordListDto {
  @ApiProperty({ type: [SyncRecordDto] })
  items!: SyncRecordDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class ListRecordsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: RECORD_STATUSES })
  @IsOptional()
  @IsIn(RECORD_STATUSES, { message: `status must be one of ${RECORD_STATUSES.join(', ')}` })
  status?: SyncRecordStatus;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only the records of this chunk' })
  @IsOptional()
  @IsUUID('all', { message: 'chunkId must be a UUID' })
  chunkId?: string;
}
