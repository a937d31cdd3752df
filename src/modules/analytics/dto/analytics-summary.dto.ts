import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';

export class SummaryQueryDto {
  @ApiPropertyOptional({
    example: '2026-11-04T00:00:00.000Z',
    format: 'date-time',
    description: 'Start (inclusive); default 28 days before `to`',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an RFC 3339 timestamp' })
  from?: string;

  @ApiPropertyOptional({
    example: '2026-12-02T00:00:00.000Z',
    format: 'date-time',
    description: 'End (exclusive); default now',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an RFC 3339 timestamp' })
  to?: string;
}

export class WeekCountDto {
  @ApiProperty({ example: '2026-11-16', description: 'Monday of the ISO week (UTC)' })
  weekStart!: string;

  @ApiProperty({ example: 1312 })
  count!: number;
}

export class OutcomesDto {
  @ApiProperty({ example: 5120 }) completed!: number;
  @ApiProperty({ example: 61 }) completedWithErrors!: number;
  @ApiProperty({ example: 9 }) failed!: number;
}

export class CompletionTimeDto {
  @ApiProperty({ example: 3904, description: 'Finished 1-year syncs in the window' })
  count!: number;

  @ApiProperty({ example: 2710, type: Number, nullable: true })
  p50Seconds!: number | null;

  @ApiProperty({ example: 9140, type: Number, nullable: true })
  p90Seconds!: number | null;
}

export class UpsellDto {
  @ApiProperty({ example: 8410, description: 'Users shown the Pro upsell in the window' })
  usersShown!: number;

  @ApiProperty({ example: 652, description: 'Of those, users granted Pro after first seeing it' })
  usersConverted!: number;

  @ApiProperty({ example: 0.0775, type: Number, nullable: true })
  conversionRate!: number | null;
}

export class AnalyticsSummaryDto {
  @ApiProperty({ example: '2026-11-04T00:00:00.000Z', format: 'date-time' }) from!: string;
  @ApiProperty({ example: '2026-12-02T00:00:00.000Z', format: 'date-time' }) to!: string;

  @ApiProperty({
    example: 5248,
    description: 'Historical syncs requested in the window (PRD: > 1,000 a week)',
  })
  syncsInitiated!: number;

  @ApiProperty({ type: [WeekCountDto] })
  syncsInitiatedPerWeek!: WeekCountDto[];

  @ApiProperty({
    type: OutcomesDto,
    description: 'First-round outcomes of historical syncs that finished in the window',
  })
  outcomes!: OutcomesDto;

  @ApiProperty({
    example: 0.9865,
    type: Number,
    nullable: true,
    description: 'completed / (completed + completedWithErrors + failed) (PRD: > 98 %)',
  })
  jobSuccessRate!: number | null;

  @ApiProperty({
    type: CompletionTimeDto,
    description: 'Request-to-completion time of 1-year syncs (PRD: P90 < 4 h)',
  })
  oneYearCompletion!: CompletionTimeDto;

  @ApiProperty({ type: UpsellDto })
  upsell!: UpsellDto;
}
