import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCode } from '../errors/error-codes.js';

export class FieldErrorDto {
  @ApiProperty({ example: 'range.startDate' })
  field!: string;

  @ApiProperty({ example: 'startDate must be a real date formatted YYYY-MM-DD' })
  message!: string;
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
}
