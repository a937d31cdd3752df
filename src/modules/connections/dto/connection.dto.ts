import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../../../common/http/page-query.dto.js';
import type { ProviderName } from '../../../database/schema.js';

export const PROVIDER_NAMES: ProviderName[] = ['fitbit', 'strava'];

export class ProviderGrantDto {
  @ApiProperty({ enum: PROVIDER_NAMES })
  @IsIn(PROVIDER_NAMES, { message: `provider must be one of ${PROVIDER_NAMES.join(', ')}` })
  provider!: ProviderName;

  @ApiProperty({ description: 'The code the provider’s OAuth redirect carried' })
  @IsString()
  @Length(1, 2048)
  authorizationCode!: string;

  @ApiProperty({
    example: 'https://app.syncwell.test/oauth/callback',
    description: 'The redirect_uri the code was issued for',
  })
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https', 'syncwell'] },
    { message: 'redirectUri must be an absolute URL' },
  )
  redirectUri!: string;

  @ApiProperty({
    description:
      'The `state` that `authorize-url` issued for this consent (single use, bound to the caller, the provider and the redirectUri)',
  })
  @IsString()
  @Length(1, 512)
  state!: string;
}

export class CreateConnectionDto {
  @ApiProperty({ type: ProviderGrantDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ProviderGrantDto)
  source!: ProviderGrantDto;

  @ApiProperty({ type: ProviderGrantDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ProviderGrantDto)
  destination!: ProviderGrantDto;

  @ApiPropertyOptional({
    example: 'Europe/Berlin',
    description: 'IANA time zone of the civil dates of syncs (default UTC)',
  })
  @IsOptional()
  @IsString()
  timezone?: string;
}

export class ConnectionSideDto {
  @ApiProperty({ enum: PROVIDER_NAMES })
  provider!: ProviderName;

  @ApiProperty({ description: 'The account’s id at the provider' })
  externalUserId!: string;
}

export class InitialSyncDto {
  @ApiProperty({ format: 'uuid' })
  orchestrationId!: string;
}

export class ConnectionDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ type: ConnectionSideDto })
  source!: ConnectionSideDto;

  @ApiProperty({ type: ConnectionSideDto })
  destination!: ConnectionSideDto;

  @ApiProperty({ example: 'Europe/Berlin' })
  timezone!: string;

  @ApiProperty({ enum: ['ACTIVE'] })
  status!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({
    type: InitialSyncDto,
    nullable: true,
    description: 'The automatic last-7-days sync started with the connection (US-31)',
  })
  initialSync!: InitialSyncDto | null;
}

export class ConnectionListDto {
  @ApiProperty({ type: [ConnectionDto] })
  items!: ConnectionDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class ListConnectionsQueryDto extends PageQueryDto {}

export class AuthorizeUrlQueryDto {
  @ApiProperty({ enum: PROVIDER_NAMES })
  @IsIn(PROVIDER_NAMES, { message: `provider must be one of ${PROVIDER_NAMES.join(', ')}` })
  provider!: ProviderName;

  @ApiProperty({
    example: 'http://127.0.0.1:8765/oauth/callback',
    description:
      'Where the provider sends the code: one of the deployment’s allowed redirect URIs (exact match; loopback URIs on any port when allowed), else 422',
  })
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https', 'syncwell'] },
    { message: 'redirectUri must be an absolute URL' },
  )
  redirectUri!: string;

  @ApiPropertyOptional({
    description:
      'Ignored (kept for compatibility): the server issues the state. Validated: 1 to 512 characters',
  })
  @IsOptional()
  @IsString()
  @Length(1, 512)
  state?: string;

  @ApiPropertyOptional({
    description: 'Account hint (selects the simulated account on the local simulators)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  loginHint?: string;
}

export class AuthorizeUrlDto {
  @ApiProperty({
    description: 'Send the user’s browser here; the provider redirects back with `code` and `state`',
  })
  url!: string;

  @ApiProperty({
    description:
      'The server’s state for this consent: random, single use, bound to the caller, the provider and the redirectUri. Send it back with the code',
  })
  state!: string;

  @ApiProperty({ format: 'date-time', description: 'The state is redeemable until then' })
  expiresAt!: string;
}
