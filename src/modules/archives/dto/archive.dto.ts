import { ApiProperty } from '@nestjs/swagger';
import { PageQueryDto } from '../../../common/http/page-query.dto.js';
import type { ArchiveFormatName, ArchiveStatus } from '../../../database/schema.js';

export class ArchiveProblemDto {
  @ApiProperty({
    example: 'UploadedFiles_Part1.zip/activity_1234.fit',
    nullable: true,
    type: String,
    description: 'The entry (nested archives’ paths joined with `/`), or null for the archive as a whole',
  })
  entry!: string | null;

  @ApiProperty({
    example: 'INVALID_RECORD',
    description:
      'UNREADABLE_ENTRY (damaged or truncated data), INVALID_RECORD or INVALID_FILE (not a workout we can read: ' +
      'its record is SKIPPED_INVALID), INVALID_ROW / INVALID_WORKOUT (a line of activities.csv or export.xml); ' +
      'for a FAILED archive: NOT_AN_ARCHIVE, ZIP_BOMB, UNSAFE_PATH, ENCRYPTED or UNKNOWN_FORMAT',
  })
  code!: string;

  @ApiProperty({ example: 'truncated FIT file: the data ends before its declared size' })
  message!: string;
}

export class ArchiveDto {
  @ApiProperty({ example: '3f0c2a8e-5d1b-4f7a-9c3e-2b6d8a1f4e70', format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'garmin-export.zip', description: 'The `filename` of the upload’s metadata' })
  filename!: string;

  @ApiProperty({
    example: 'READY',
    enum: ['UPLOADING', 'SCANNING', 'READY', 'FAILED'],
    description:
      'UPLOADING until the last byte arrives, SCANNING while its workouts are indexed, READY to be a connection’s ' +
      'source, FAILED when it cannot be read as a whole (`problems` says why)',
  })
  status!: ArchiveStatus;

  @ApiProperty({ example: 734003200, description: 'The upload’s `Upload-Length`' })
  sizeBytes!: number;

  @ApiProperty({ example: 734003200, description: 'Bytes received so far' })
  uploadedBytes!: number;

  @ApiProperty({
    example: 'ACTIVITY_FILES',
    enum: ['ACTIVITY_FILES', 'STRAVA_EXPORT', 'APPLE_HEALTH', 'FITBIT_TAKEOUT'],
    nullable: true,
    description: 'What the scan found it to be (null until then, or when FAILED)',
  })
  format!: ArchiveFormatName | null;

  @ApiProperty({ example: 1843, description: 'Workouts indexed so far (counting up while SCANNING)' })
  sessionsFound!: number;

  @ApiProperty({
    example: '2014-03-02',
    nullable: true,
    type: String,
    format: 'date',
    description: 'The first workout’s date (as the athlete’s clock had it)',
  })
  firstDate!: string | null;

  @ApiProperty({ example: '2026-11-29', nullable: true, type: String, format: 'date' })
  lastDate!: string | null;

  @ApiProperty({
    type: [ArchiveProblemDto],
    description: 'The first 100 entries that could not be read or were skipped; for FAILED, the problem',
  })
  problems!: ArchiveProblemDto[];

  @ApiProperty({ example: '2026-12-08T09:12:44.120Z', format: 'date-time' })
  createdAt!: string;

  @ApiProperty({
    example: '2027-01-07T09:12:44.120Z',
    format: 'date-time',
    description:
      'When it is deleted (file and index): ARCHIVE_RETENTION_DAYS (30) after the last sync over it ended, or ' +
      'after its upload; never while a sync over it runs',
  })
  expiresAt!: string;
}

export class ArchiveListDto {
  @ApiProperty({ type: [ArchiveDto] })
  items!: ArchiveDto[];

  @ApiProperty({ example: null, type: String, nullable: true })
  nextCursor!: string | null;
}

export class ListArchivesQueryDto extends PageQueryDto {}
