import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCode } from '../errors/error-codes.js';

export class FieldErrorDto {
  @ApiProperty({ example: 'range.startDate' })
  field!: string;

  @ApiProperty({ example: 'startDate must be a real date formatted YYYY-MM-DD' })
  message!: string;
}

export class ProblemUpsellDto {
  @ApiProperty({ example: 'PRO', enum: ['PRO'], description: 'The tier that unlocks the feature' })
  requiredTier!: string;

  @ApiProperty({
    example: 'HISTORICAL_SYNC',
    enum: ['HISTORICAL_SYNC'],
    description: 'The feature asked for',
  })
  feature!: string;
}

/** RFC 9457 problem details, as every error of this API is answered (`application/problem+json`). */
export class ProblemDto {
  @ApiProperty({ example: 'https://syncwell.dev/problems/validation-failed' })
  type!: string;

  @ApiProperty({ example: 'Validation failed' })
  title!: string;

  @ApiProperty({ example: 422 })
  status!: number;

  @ApiProperty({ example: 'range.endDate: endDate 2030-01-01 is in the future (today is 2026-11-22)' })
  detail!: string;

  @ApiProperty({ enum: Object.values(ErrorCode), description: 'Stable machine-readable error code' })
  code!: string;

  @ApiPropertyOptional({ example: '/v1/connections/3f.../historical-syncs' })
  instance?: string;

  @ApiPropertyOptional({ description: 'Id of the request, as logged' })
  requestId?: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'VALIDATION_FAILED only' })
  errors?: FieldErrorDto[];

  @ApiPropertyOptional({ description: 'DEVICE_LIMIT_REACHED and SYNC_LIMIT_REACHED only: the cap per user' })
  limit?: number;

  @ApiPropertyOptional({
    example: '0b7e8f0c-1c1f-4d55-a3a8-2b8f3a3c9d10',
    format: 'uuid',
    description: 'SYNC_ALREADY_ACTIVE only: the active historical sync of the connection',
  })
  orchestrationId?: string;

  @ApiPropertyOptional({
    type: ProblemUpsellDto,
    description: 'PRO_REQUIRED only: what to offer on the paywall',
  })
  upsell?: ProblemUpsellDto;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { database: { status: 'up' }, queue: { status: 'down', message: 'no answer' } },
    description: 'SERVICE_UNAVAILABLE of GET /health/ready only: each dependency and whether it answered',
  })
  checks?: Record<string, unknown>;
}
