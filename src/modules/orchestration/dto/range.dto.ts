import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import type { DuplicatePolicy } from '../../../database/schema.js';
import { IsDefined, IsIn, IsObject, IsOptional, IsString, ValidateNested } from 'class-validator';

export const DUPLICATE_POLICIES: DuplicatePolicy[] = ['SKIP', 'IMPORT'];
export const USER_PRESETS = ['LAST_30_DAYS', 'LAST_YEAR', 'ALL_TIME', 'CUSTOM'] as const;
export type UserPreset = (typeof USER_PRESETS)[number];

export class RangeDto {
  @ApiProperty({
    example: 'LAST_YEAR',
    enum: USER_PRESETS,
    description: 'LAST_30_DAYS, LAST_YEAR, ALL_TIME (capped at 10 years), or CUSTOM',
  })
  @IsIn(USER_PRESETS, { message: `preset must be one of ${USER_PRESETS.join(', ')}` })
  preset!: UserPreset;

  @ApiPropertyOptional({
    example: '2024-01-01',
    description: 'CUSTOM only: first civil date (connection time zone)',
  })
  @IsOptional()
  @IsString({ message: 'startDate must be a date formatted YYYY-MM-DD' })
  startDate?: string;

  @ApiPropertyOptional({
    example: '2024-12-31',
    description: 'Last civil date; defaults to today in the connection time zone',
  })
  @IsOptional()
  @IsString({ message: 'endDate must be a date formatted YYYY-MM-DD' })
  endDate?: string;
}

export class CreateHistoricalSyncDto {
  @ApiProperty({ type: RangeDto })
  @IsDefined({ message: 'range is required' })
  @IsObject({ message: 'range must be an object' })
  @ValidateNested()
  @Type(() => RangeDto)
  range!: RangeDto;

  @ApiPropertyOptional({
    example: 'SKIP',
    enum: DUPLICATE_POLICIES,
    default: 'SKIP',
    description:
      'SKIP (default): a workout the destination already holds (same or compatible sport, overlapping time, or shifted by a time-zone error) is not written, and the report says which one it matched; IMPORT: every record is written',
  })
  @IsOptional()
  @IsIn(DUPLICATE_POLICIES, { message: `duplicatePolicy must be one of ${DUPLICATE_POLICIES.join(', ')}` })
  duplicatePolicy?: DuplicatePolicy;
}

export class EstimateQueryDto {
  @ApiProperty({ example: 'LAST_YEAR', enum: USER_PRESETS })
  @IsIn(USER_PRESETS, { message: `preset must be one of ${USER_PRESETS.join(', ')}` })
  preset!: UserPreset;

  @ApiPropertyOptional({ example: '2024-01-01' })
  @IsOptional()
  @IsString()
  startDate?: string;

  @ApiPropertyOptional({ example: '2024-12-31' })
  @IsOptional()
  @IsString()
  endDate?: string;
}
