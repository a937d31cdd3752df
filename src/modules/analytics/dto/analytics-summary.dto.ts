import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';

export class SummaryQueryDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'Start (inclusive); default 28 days before `to`' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an RFC 3339 timestamp' })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'End (exclusive); default now' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an RFC 3339 timestamp' })
  to?: string;
}

export class WeekCountDto {
  @ApiProperty({ example: '2026-11-16', description: 'Monday of the ISO week (UTC)' })
  weekStart!: string;

  @ApiProperty()
  count!: number;
}

export class OutcomesDto {
  @ApiProperty() completed!: number;
  @ApiProperty() completedWithErrors!: number;
  @ApiProperty() failed!: number;
}

export class CompletionTimeDto {
  @ApiProperty({ description: 'Finished 1-year syncs in the window' })
  count!: number;

  @ApiProperty({ type: Number, nullable: true })
  p50Seconds!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  p90Seconds!: number | null;
}

export class UpsellDto {
  @ApiProperty({ description: 'Users shown the Pro upsell in the window' })
  usersShown!: number;

  @ApiProperty({ description: 'Of those, users granted Pro after first seeing it' })
  usersConverted!: number;

  @ApiProperty({ type: Number, nullable: true })
  conversionRate!: number | null;
}

export class AnalyticsSummaryDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;

  @ApiProperty({ description: 'Historical syncs requested in the window (PRD: > 1,000 a week)' })
  syncsInitiated!: number;

  @ApiProperty({ type: [WeekCountDto] })
  syncsInitiatedPerWeek!: WeekCountDto[];

  @ApiProperty({
    type: OutcomesDto,
    description: 'First-round outcomes of historical syncs that finished in the window',
  })
  outcomes!: OutcomesDto;

  @ApiProperty({
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
