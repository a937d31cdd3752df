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

  @ApiProperty({
    example: 'strava already has this workout as record 1234567890 (shifted by +1 h, a time-zone error)',
  })
  message!: string;
}

export class RecordLinkDto {
  @ApiProperty({ example: '1234567890', description: "The record's id at the destination provider" })
  recordId!: string;

  @ApiProperty({ example: 'https://www.strava.com/activities/1234567890' })
  url!: string;
}

export class SyncRecordDto {
  @ApiProperty({ example: '7403918265514', description: "The record's id at the source provider" })
  sourceRecordId!: string;

  @ApiProperty({ example: '0b6e0c54-4a4e-4f0e-9d35-2f8f0a1c7e11', format: 'uuid' })
  chunkId!: string;

  @ApiProperty({
    example: '2026-05-10T07:00:00.000Z',
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

  @ApiProperty({ example: 'SKIPPED_DUPLICATE', enum: RECORD_STATUSES })
  status!: SyncRecordStatus;

  @ApiProperty({
    example: {
      code: 'DUPLICATE_AT_DESTINATION',
      message: 'strava already has this workout as record 1234567890',
    },
    type: RecordReasonDto,
    nullable: true,
  })
  reason!: RecordReasonDto | null;

  @ApiProperty({
    example: null,
    type: RecordLinkDto,
    nullable: true,
    description: 'Where this sync wrote it (IMPORTED)',
  })
  destination!: RecordLinkDto | null;

  @ApiProperty({
    example: { recordId: '1234567890', url: 'https://www.strava.com/activities/1234567890' },
    type: RecordLinkDto,
    nullable: true,
    description: 'The destination record it was not written because of (SKIPPED_DUPLICATE)',
  })
  duplicateOf!: RecordLinkDto | null;
}

export class SyncRecordListDto {
  @ApiProperty({ type: [SyncRecordDto] })
  items!: SyncRecordDto[];

  @ApiProperty({
    example: 'WyJyMSIsIjIwMjYtMDUtMTBUMDc6MDA6MDAuMDAwWiIsIjc0MDM5MTgyNjU1MTQiXQ',
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last',
  })
  nextCursor!: string | null;
}

export class ListRecordsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'FAILED', enum: RECORD_STATUSES })
  @IsOptional()
  @IsIn(RECORD_STATUSES, { message: `status must be one of ${RECORD_STATUSES.join(', ')}` })
  status?: SyncRecordStatus;

  @ApiPropertyOptional({
    example: '0b6e0c54-4a4e-4f0e-9d35-2f8f0a1c7e11',
    format: 'uuid',
    description: 'Only the records of this chunk',
  })
  @IsOptional()
  @IsUUID('all', { message: 'chunkId must be a UUID' })
  chunkId?: string;
}
