import { ApiProperty } from '@nestjs/swagger';

export class EstimateWarningDto {
  @ApiProperty({ example: 'PROVIDER_RATE_LIMIT' })
  code!: string;

  @ApiProperty()
  message!: string;
}

export class EstimatedApiCallsDto {
  @ApiProperty()
  source!: number;

  @ApiProperty()
  destination!: number;
}

export class EstimateDto {
  @ApiProperty({ example: '2025-11-23' })
  startDate!: string;

  @ApiProperty({ example: '2026-11-22' })
  endDate!: string;

  @ApiProperty()
  totalChunks!: number;

  @ApiProperty()
  estimatedSeconds!: number;

  @ApiProperty({ description: 'Records a typical account holds in the range (4 sessions a week)' })
  estimatedRecords!: number;

  @ApiProperty({ type: EstimatedApiCallsDto })
  estimatedApiCalls!: EstimatedApiCallsDto;

  @ApiProperty({ type: [EstimateWarningDto] })
  warnings!: EstimateWarningDto[];
}
