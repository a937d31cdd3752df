import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { CurrentUser } from '../../common/auth/current-user.decorator.js';
import { ApiDoc } from '../../common/http/api-problems.decorator.js';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe.js';
import type { Idempotent, IdempotencyRequest } from '../idempotency/idempotency.service.js';
import { Idempotency, IdempotentRoute } from '../idempotency/idempotent-route.decorator.js';
import { ConnectionsService } from './connections.service.js';
import {
  AuthorizeUrlDto,
  AuthorizeUrlQueryDto,
  ConnectionDto,
  ConnectionListDto,
  CreateConnectionDto,
  ListConnectionsQueryDto,
  ReauthorizeConnectionDto,
} from './dto/connection.dto.js';

const ConnectionId = () => Param('id', new ResourceIdPipe('Connection'));

@ApiTags('connections')
@Controller('v1/connections')
export class ConnectionsController {
  constructor(private readonly connections: ConnectionsService) {}

  @Get('authorize-url')
  @ApiDoc({
    summary: 'The provider’s OAuth consent URL for this service (the first step of a connection)',
    description:
      'Call it once per side of a connection (source and destination), send the user’s browser to `url`, and ' +
      'the provider redirects to `redirectUri` with `code` and `state` once the user consents. `state` is issued ' +
      'by the server: random, single use, bound to the caller, the provider and `redirectUri`, valid until ' +
      '`expiresAt`; send it back with the code. `redirectUri` must be on the deployment’s allowlist (exact ' +
      'match; loopback URIs on any port in the embedded default). Then pass both codes, their states and the ' +
      'same `redirectUri`s to `POST /v1/connections`. With no provider credentials configured, ' +
      'the URL points at the local simulators, where `loginHint` picks (and creates) the simulated account and ' +
      'consent is immediate.',
    errors: {
      VALIDATION_FAILED:
        'an unknown `provider`, a `redirectUri` that is not on the allowlist, or a `state`/`loginHint` of the wrong length',
    },
  })
  @ApiOkResponse({
    type: AuthorizeUrlDto,
    description: 'Where to send the user’s browser, and the server-issued `state` to send back with the code',
  })
  authorizeUrl(
    @CurrentUser() user: AuthUser,
    @Query() query: AuthorizeUrlQueryDto,
  ): Promise<AuthorizeUrlDto> {
    return this.connections.authorizeUrl(user, query);
  }

  @Post()
  @ApiDoc({
    summary: 'Connect a source and a destination account (starts the automatic 7-day sync)',
    description:
      'The second step of a connection, after the user consented at both providers (`GET ' +
      '/v1/connections/authorize-url`). Exchanges both authorization codes at the providers’ token endpoints, ' +
      'stores the tokens encrypted, and starts, for every tier, an automatic sync of the last 7 days ' +
      '(`initialSync`). Each side carries the `state` that authorize-url issued for it. Codes are single use: a retry after a network error should carry the same optional ' +
      '`Idempotency-Key`, which replays the first answer instead of spending the codes again. `timezone` (IANA, ' +
      'default UTC) is the zone of the civil dates of every sync of this connection.',
    errors: {
      IDEMPOTENCY_KEY_REQUIRED:
        'an `Idempotency-Key` header was sent but is empty or longer than 255 characters',
      IDEMPOTENCY_KEY_REUSED: '',
      IDEMPOTENCY_KEY_IN_PROGRESS: '',
      VALIDATION_FAILED:
        'a missing side, an unknown provider, the same provider on both sides, a `redirectUri` that is not an absolute URL, an unknown `timezone`, or a `state` that is missing, expired, already used, or was issued to another user, provider or redirectUri (nothing is stored)',
      PROVIDER_AUTH_FAILED:
        'a provider rejected its authorization code (expired, already used, or issued for another `redirectUri`); nothing is stored',
      PROVIDER_UNAVAILABLE: 'a provider’s token endpoint failed or timed out; nothing is stored, retry later',
    },
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: '1–255 characters; a retry with the same key and body replays the first answer',
  })
  @ApiCreatedResponse({
    type: ConnectionDto,
    description: 'Connected; `initialSync.orchestrationId` is the automatic 7-day sync',
  })
  @IdempotentRoute<ConnectionDto>({
    status: 201,
    location: (connection) => `/v1/connections/${connection.id}`,
    required: false,
  })
  create(
    @CurrentUser() user: AuthUser,
    @Body() body: CreateConnectionDto,
    @Idempotency() idempotency: IdempotencyRequest<ConnectionDto> | undefined,
  ): Promise<Idempotent<ConnectionDto>> {
    return this.connections.create(user, body, idempotency);
  }

  @Get()
  @ApiDoc({
    summary: 'The caller’s connections, newest first',
    description:
      'Lists the caller’s connections, newest first, `limit` at a time (default 20); pass `nextCursor` back as ' +
      '`cursor` for the next page. A client uses it to find the connection id its syncs are started on.',
    errors: { VALIDATION_FAILED: 'a `limit` outside 1–100, or a malformed `cursor`' },
  })
  @ApiOkResponse({ type: ConnectionListDto, description: 'One page of connections' })
  list(@CurrentUser() user: AuthUser, @Query() query: ListConnectionsQueryDto): Promise<ConnectionListDto> {
    return this.connections.list(user, query);
  }

  @Get(':id')
  @ApiDoc({
    summary: 'One connection',
    description:
      'The connection’s two accounts (provider and the account id there), time zone, status and the automatic ' +
      '7-day sync it started. Poll it when a sync is paused for re-authorization.',
    errors: { NOT_FOUND: 'no connection with this id, or it is another user’s' },
  })
  @ApiOkResponse({ type: ConnectionDto, description: 'The connection' })
  get(@CurrentUser() user: AuthUser, @ConnectionId() id: string): Promise<ConnectionDto> {
    return this.connections.get(user, id);
  }

  @Post(':id/reauthorize')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Reconnect a provider account whose grant was revoked; its paused syncs resume',
    description:
      'Call it when a connection reads `REAUTH_REQUIRED` (or after an N-07 push): walk the provider’s consent ' +
      'again (`GET /v1/connections/authorize-url`), then send the new code and its `state` here. The code must belong to the ' +
      'same provider account as that side of the connection; its tokens replace the old ones and every sync ' +
      'paused with `pauseReason: REAUTH_REQUIRED` resumes where it stopped, in one transaction.',
    errors: {
      NOT_FOUND: 'no connection with this id, or it is another user’s',
      VALIDATION_FAILED:
        'the connection has no account at this `provider`, a missing/expired/used/foreign `state`, or the code belongs to another provider account than the connection’s',
      PROVIDER_AUTH_FAILED:
        'the provider rejected the authorization code (expired, used, or another `redirectUri`)',
      PROVIDER_UNAVAILABLE: 'the provider’s token endpoint failed or timed out; nothing changed, retry later',
    },
  })
  @ApiOkResponse({ type: ConnectionDto, description: 'The connection, ACTIVE again' })
  reauthorize(
    @CurrentUser() user: AuthUser,
    @ConnectionId() id: string,
    @Body() body: ReauthorizeConnectionDto,
  ): Promise<ConnectionDto> {
    return this.connections.reauthorize(user, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDoc({
    summary: 'Delete a connection; its running syncs are cancelled',
    description:
      'Disconnects the two accounts: the connection’s PENDING, IN_PROGRESS and PAUSED syncs are cancelled ' +
      '(running chunks finish) and the connection can no longer be used or read. What was already written to ' +
      'the destination stays there.',
    errors: { NOT_FOUND: 'no connection with this id, or it is another user’s (or it was already deleted)' },
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  async delete(@CurrentUser() user: AuthUser, @ConnectionId() id: string): Promise<void> {
    await this.connections.delete(user, id);
  }
}
