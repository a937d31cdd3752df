import { ApiProperty } from '@nestjs/swagger';

export class EstimateWarningDto {
  @ApiProperty({
    example: 'PROVIDER_RATE_LIMIT',
    description:
      '`PROVIDER_RATE_LIMIT`: a provider quota, not the work, sets the pace; `QUEUE_BACKLOG`: other syncs queued ' +
      'for the same provider budgets dominate (estimatedSeconds then counts the fair queue ahead)',
  })
  code!: string;

  @ApiProperty({
    example:
      "strava's overall request quota, not this service, sets the pace: about 1 min for 471 requests (the work itself needs about 1 min).",
  })
  message!: string;
}

export class EstimatedApiCallsDto {
  @ApiProperty({ example: 137 })
  source!: number;

  @ApiProperty({ example: 334 })
  destination!: number;
}

export class EstimateDto {
  @ApiProperty({ example: '2025-11-23' })
  startDate!: string;

  @ApiProperty({ example: '2026-11-22' })
  endDate!: string;

  @ApiProperty({ example: 12 })
  totalChunks!: number;

  @ApiProperty({
    example: 76,
    description:
      'How long a sync of this range would take if started now: its own work and quotas, or, when syncs are ' +
      'queued for the same provider budgets, its turn in the fair queue at the rate chunks finish now',
  })
  estimatedSeconds!: number;

  @ApiProperty({
    example: 209,
    description: 'Records a typical account holds in the range (4 sessions a week)',
  })
  estimatedRecords!: number;

  @ApiProperty({ type: EstimatedApiCallsDto })
  estimatedApiCalls!: EstimatedApiCallsDto;

  @ApiProperty({ type: [EstimateWarningDto] })
  warnings!: EstimateWarningDto[];
}
