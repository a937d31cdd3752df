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
  authorizeUrl(
    @CurrentUser() user: AuthUser,
    @Query() query: AuthorizeUrlQueryDto,
  ): Promise<AuthorizeUrlDto> {
    return this.connections.authorizeUrl(user, query);
  }

  @Post()
  @ApiOperation({
    summary: 'Connect a source and a destination account (starts the automatic 7-day sync)',
    description:
      'Both authorization codes are exchanged at the providers. Each side carries the `state` that authorize-url ' +
      'issued to the caller for that provider and redirectUri (missing, expired, reused or foreign: 422, nothing stored). ' +
      'An optional Idempotency-Key makes a retried request safe.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: ConnectionDto })
  @ApiProblems(400, 401, 422)
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

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a connection; its running syncs are cancelled' })
  @ApiNoContentResponse()
  @ApiProblems(401, 404)
  async delete(@CurrentUser() user: AuthUser, @ConnectionId() id: string): Promise<void> {
    await this.connections.delete(user, id);
  }
}
