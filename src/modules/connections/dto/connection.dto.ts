import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../../../common/http/page-query.dto.js';
import type { ProviderName } from '../../../database/schema.js';
import { EXAMPLE_PROVIDERS, PROVIDER_IDS, usesOAuth } from '../../providers/provider-descriptors.js';

export class ProviderGrantDto {
  @ApiProperty({ example: EXAMPLE_PROVIDERS.source, enum: PROVIDER_IDS })
  @IsIn(PROVIDER_IDS, { message: `provider must be one of ${PROVIDER_IDS.join(', ')}` })
  provider!: ProviderName;

  @ApiProperty({
    example: 'ya29.c_njYSoKwWsJtM4rtrh3rZadFOCgyLRcxr',
    description: 'The code the provider’s OAuth redirect carried',
  })
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
    example: 'Zq3v0bW1c2x8RkN4yTgH7pLmA9eJ5sUoQdVfXiCt6Ow',
    description:
      'The `state` that `authorize-url` issued for this consent (single use, bound to the caller, the provider and the redirectUri)',
  })
  @IsString()
  @Length(1, 512)
  state!: string;
}

/**
 * The source side of a new connection: an OAuth grant as for any side, or an uploaded export archive
 * (`{ "provider": "archive", "archiveId" }`, no code: the archive is the caller's own upload).
 */
export class ConnectionSourceDto {
  @ApiProperty({ example: EXAMPLE_PROVIDERS.source, enum: PROVIDER_IDS })
  @IsIn(PROVIDER_IDS, { message: `provider must be one of ${PROVIDER_IDS.join(', ')}` })
  provider!: ProviderName;

  @ApiPropertyOptional({
    example: 'ya29.c_njYSoKwWsJtM4rtrh3rZadFOCgyLRcxr',
    description: 'The code the provider’s OAuth redirect carried (every provider but `archive`)',
  })
  @ValidateIf((o: ConnectionSourceDto) => usesOAuth(o.provider))
  @IsString()
  @Length(1, 2048)
  authorizationCode?: string;

  @ApiPropertyOptional({
    example: 'https://app.syncwell.test/oauth/callback',
    description: 'The redirect_uri the code was issued for (every provider but `archive`)',
  })
  @ValidateIf((o: ConnectionSourceDto) => usesOAuth(o.provider))
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https', 'syncwell'] },
    { message: 'redirectUri must be an absolute URL' },
  )
  redirectUri?: string;

  @ApiPropertyOptional({
    example: 'Zq3v0bW1c2x8RkN4yTgH7pLmA9eJ5sUoQdVfXiCt6Ow',
    description: 'The `state` that `authorize-url` issued for this consent (every provider but `archive`)',
  })
  @ValidateIf((o: ConnectionSourceDto) => usesOAuth(o.provider))
  @IsString()
  @Length(1, 512)
  state?: string;

  @ApiPropertyOptional({
    example: '3f0c2a8e-5d1b-4f7a-9c3e-2b6d8a1f4e70',
    format: 'uuid',
    description:
      'With `provider: "archive"`: a READY export archive of the caller’s (`POST /v1/archives/uploads`, then ' +
      '`GET /v1/archives/{id}`)',
  })
  @ValidateIf((o: ConnectionSourceDto) => !usesOAuth(o.provider))
  @IsUUID('all', { message: 'archiveId must be the id of an uploaded archive' })
  archiveId?: string;
}

export class CreateConnectionDto {
  @ApiProperty({ type: ConnectionSourceDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ConnectionSourceDto)
  source!: ConnectionSourceDto;

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
  @ApiProperty({ example: EXAMPLE_PROVIDERS.source, enum: PROVIDER_IDS })
  provider!: ProviderName;

  @ApiProperty({ example: 'c20e27323ee6d64a', description: 'The account’s id at the provider' })
  externalUserId!: string;
}

export class ReauthDto {
  @ApiProperty({
    example: EXAMPLE_PROVIDERS.destination,
    enum: PROVIDER_IDS,
    description: 'The provider whose grant must be renewed',
  })
  provider!: ProviderName;

  @ApiProperty({
    example: '2026-12-02T03:31:15.542Z',
    format: 'date-time',
    description: 'When the grant was found gone',
  })
  since!: string;
}

export class ReauthorizeConnectionDto extends ProviderGrantDto {}

export class InitialSyncDto {
  @ApiProperty({ example: '06c368df-af27-461d-8e10-1587fb11d4ee', format: 'uuid' })
  orchestrationId!: string;
}

export class ConnectionDto {
  @ApiProperty({ example: 'bec49b8f-2e03-4f23-bdbf-59a1e31adca1', format: 'uuid' })
  id!: string;

  @ApiProperty({ type: ConnectionSideDto })
  source!: ConnectionSideDto;

  @ApiProperty({ type: ConnectionSideDto })
  destination!: ConnectionSideDto;

  @ApiProperty({ example: 'Europe/Berlin' })
  timezone!: string;

  @ApiProperty({
    example: 'ACTIVE',
    enum: ['ACTIVE', 'REAUTH_REQUIRED'],
    description:
      'REAUTH_REQUIRED when a provider answered that one of its grants is gone (revoked at the provider): its syncs are PAUSED until POST /v1/connections/{id}/reauthorize',
  })
  status!: 'ACTIVE' | 'REAUTH_REQUIRED';

  @ApiPropertyOptional({ type: ReauthDto, description: 'Present when status is REAUTH_REQUIRED' })
  reauth?: ReauthDto;

  @ApiProperty({ example: '2026-12-02T03:31:15.542Z', format: 'date-time' })
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

  @ApiProperty({ example: null, type: String, nullable: true })
  nextCursor!: string | null;
}

export class ListConnectionsQueryDto extends PageQueryDto {}

export class AuthorizeUrlQueryDto {
  @ApiProperty({ example: EXAMPLE_PROVIDERS.source, enum: PROVIDER_IDS })
  @IsIn(PROVIDER_IDS, { message: `provider must be one of ${PROVIDER_IDS.join(', ')}` })
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
    example: 'my-app-state',
    description:
      'Ignored (kept for compatibility): the server issues the state. Validated: 1 to 512 characters',
  })
  @IsOptional()
  @IsString()
  @Length(1, 512)
  state?: string;

  @ApiPropertyOptional({
    example: 'alice-fitbit',
    description: 'Account hint (selects the simulated account on the local simulators)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  loginHint?: string;
}

export class AuthorizeUrlDto {
  @ApiProperty({
    example:
      'http://127.0.0.1:4010/o/oauth2/v2/auth?client_id=syncwell-local&redirect_uri=http%3A%2F%2Flocalhost%2Foauth%2Fcallback&response_type=code&scope=...&access_type=offline&prompt=consent&state=3hQ9xv&login_hint=alice-fitbit',
    description: 'Send the user’s browser here; the provider redirects back with `code` and `state`',
  })
  url!: string;

  @ApiProperty({
    example: 'Zq3v0bW1c2x8RkN4yTgH7pLmA9eJ5sUoQdVfXiCt6Ow',
    description:
      'The server’s state for this consent: random, single use, bound to the caller, the provider and the redirectUri. Send it back with the code',
  })
  state!: string;

  @ApiProperty({
    example: '2026-12-02T03:41:15.000Z',
    format: 'date-time',
    description: 'The state is redeemable until then',
  })
  expiresAt!: string;
}
