import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';
import type { Tier } from '../../../database/schema.js';

export class SetEntitlementDto {
  @ApiProperty({ example: 'PRO', enum: ['PRO', 'FREE'] })
  @IsIn(['PRO', 'FREE'], { message: 'tier must be PRO or FREE' })
  tier!: Tier;

  @ApiPropertyOptional({
    example: '2027-12-31T23:59:59.000Z',
    format: 'date-time',
    description: 'When PRO ends; omitted = no end. Ignored for FREE.',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expiresAt must be an RFC 3339 timestamp' })
  expiresAt?: string;
}

export class EntitlementDto {
  @ApiProperty({
    example: 'PRO',
    enum: ['PRO', 'FREE'],
    description: 'Effective tier: an expired PRO reads FREE',
  })
  tier!: Tier;

  @ApiProperty({ example: null, type: String, format: 'date-time', nullable: true })
  expiresAt!: string | null;
}
