import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { CurrentUser } from '../../common/auth/current-user.decorator.js';
import { ApiProblems } from '../../common/http/api-problems.decorator.js';
import { ResourceIdPipe } from '../../common/http/uuid.pipe.js';
import { IdempotencyService } from '../idempotency/idempotency.service.js';
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
  @ApiOperation({
    summary: 'The provider’s OAuth consent URL for this service (the first step of a connection)',
  })
  @ApiOkResponse({ type: AuthorizeUrlDto })
  @ApiProblems(401, 422)
  authorizeUrl(@Query() query: AuthorizeUrlQueryDto): AuthorizeUrlDto {
    return this.connections.authorizeUrl(query);
  }

  @Post()
  @ApiOperation({
    summary: 'Connect a source and a destination account (starts the automatic 7-day sync)',
    description:
      'Both authorization codes are exchanged at the providers. An optional Idempotency-Key makes a retried request safe.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: ConnectionDto })
  @ApiProblems(400, 401, 422, 503)
  async create(
    @CurrentUser() user: AuthUser,
    @Body() body: CreateConnectionDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ConnectionDto> {
    const key = req.header('idempotency-key');
    const idempotency =
      key === undefined
        ? undefined
        : {
            key: IdempotencyService.validateKey(key),
            fingerprint: IdempotencyService.fingerprint(req.method, req.path, req.body),
          };
    const result = await this.connections.create(user, body, idempotency);
    res.status(result.status).set(result.headers);
    if (result.replayed) res.set('Idempotent-Replayed', 'true');
    return result.body;
  }

  @Get()
  @ApiOperation({ summary: 'The caller’s connections, newest first' })
  @ApiOkResponse({ type: ConnectionListDto })
  @ApiProblems(401, 422)
  list(@CurrentUser() user: AuthUser, @Query() query: ListConnectionsQueryDto): Promise<ConnectionListDto> {
    return this.connections.list(user, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One connection' })
  @ApiOkResponse({ type: ConnectionDto })
  @ApiProblems(401, 404)
  get(@CurrentUser() user: AuthUser, @ConnectionId() id: string): Promise<ConnectionDto> {
    return this.connections.get(user, id);
  }

  @Post(':id/reauthorize')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Reconnect a provider account whose grant was revoked; its paused syncs resume',
    description:
      'Call it when a connection reads REAUTH_REQUIRED (or after an N-07 push): walk the provider’s consent again (authorize-url), then send the new code here. The code must belong to the same provider account as the connection’s side; its tokens replace the old ones and every sync paused for REAUTH_REQUIRED resumes where it stopped. 422 PROVIDER_AUTH_FAILED when the provider rejects the code, 422 VALIDATION_FAILED when it belongs to another account or provider, 503 PROVIDER_UNAVAILABLE (Retry-After) when the provider cannot be reached.',
  })
  @ApiOkResponse({ type: ConnectionDto, description: 'The connection, ACTIVE again' })
  @ApiProblems(401, 404, 422, 503)
  reauthorize(
    @CurrentUser() user: AuthUser,
    @ConnectionId() id: string,
    @Body() body: ReauthorizeConnectionDto,
  ): Promise<ConnectionDto> {
    return this.connections.reauthorize(user, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a connection; its running syncs are cancelled' })
  @ApiNoContentResponse()
  @ApiProblems(401, 404)
  async delete(@CurrentUser() user: AuthUser, @ConnectionId() id: string): Promise<void> {
    await this.connections.delete(user, id);
  }
}
