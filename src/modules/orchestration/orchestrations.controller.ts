import { Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiHeader,
  ApiNotModifiedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { CurrentUser } from '../../common/auth/current-user.decorator.js';
import { ApiProblems } from '../../common/http/api-problems.decorator.js';
import { etagMatches } from '../../common/http/etag.js';
import { Idempotency, type IdempotencyRequest } from '../../common/http/idempotency-key.decorator.js';
import { ResourceIdPipe } from '../../common/http/uuid.pipe.js';
import {
  ChunkListDto,
  ListChunksQueryDto,
  ListOrchestrationsQueryDto,
  OrchestrationDto,
  OrchestrationListDto,
  OrchestrationStatusDto,
  RetryFailedResponseDto,
} from './dto/orchestration.dto.js';
import { etagOf, toOrchestrationDto, toStatusDto } from './orchestration.mapper.js';
import { OrchestrationService } from './orchestration.service.js';

const OrchestrationId = () => Param('id', new ResourceIdPipe('Orchestration'));

@ApiTags('orchestrations')
@Controller('v1/orchestrations')
export class OrchestrationsController {
  constructor(private readonly orchestrations: OrchestrationService) {}

  @Get()
  @ApiOperation({ summary: "The caller's orchestrations, newest first" })
  @ApiOkResponse({ type: OrchestrationListDto })
  @ApiProblems(401, 422)
  list(
    @CurrentUser() user: AuthUser,
    @Query() query: ListOrchestrationsQueryDto,
  ): Promise<OrchestrationListDto> {
    return this.orchestrations.list(user, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One orchestration (ETag; If-None-Match answers 304)' })
  @ApiOkResponse({ type: OrchestrationDto, headers: { ETag: { schema: { type: 'string' } } } })
  @ApiNotModifiedResponse({ description: 'Unchanged since the ETag sent in If-None-Match' })
  @ApiProblems(401, 404)
  async get(
    @CurrentUser() user: AuthUser,
    @OrchestrationId() id: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<OrchestrationDto | undefined> {
    const o = await this.orchestrations.get(user, id);
    return this.conditional(res, ifNoneMatch, etagOf(o), () => toOrchestrationDto(o));
  }

  @Get(':id/status')
  @ApiOperation({ summary: 'Compact progress for polling every 10 s (ETag; If-None-Match answers 304)' })
  @ApiOkResponse({ type: OrchestrationStatusDto, headers: { ETag: { schema: { type: 'string' } } } })
  @ApiNotModifiedResponse({ description: 'Unchanged since the ETag sent in If-None-Match' })
  @ApiProblems(401, 404)
  async status(
    @CurrentUser() user: AuthUser,
    @OrchestrationId() id: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<OrchestrationStatusDto | undefined> {
    const o = await this.orchestrations.get(user, id);
    return this.conditional(res, ifNoneMatch, etagOf(o), () => toStatusDto(o));
  }

  @Get(':id/chunks')
  @ApiOperation({ summary: 'The chunks of an orchestration, by index (US-32: which parts failed)' })
  @ApiOkResponse({ type: ChunkListDto })
  @ApiProblems(401, 404, 422)
  chunks(
    @CurrentUser() user: AuthUser,
    @OrchestrationId() id: string,
    @Query() query: ListChunksQueryDto,
  ): Promise<ChunkListDto> {
    return this.orchestrations.listChunks(user, id, query);
  }

  @Post(':id/retry-failed')
  @ApiOperation({ summary: 'Re-run only the FAILED chunks (US-32). Idempotent by Idempotency-Key.' })
  @ApiHeader({ name: 'Idempotency-Key', required: true })
  @ApiAcceptedResponse({ type: RetryFailedResponseDto })
  @ApiProblems(400, 401, 404, 409, 422)
  async retryFailed(
    @CurrentUser() user: AuthUser,
    @Idempotency() idempotency: IdempotencyRequest,
    @OrchestrationId() id: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<RetryFailedResponseDto> {
    const result = await this.orchestrations.retryFailed(user, id, idempotency);
    res.status(result.status).set(result.headers);
    if (result.replayed) res.set('Idempotent-Replayed', 'true');
    return result.body;
  }

  @Post(':id/pause')
  @HttpCode(202)
  @ApiOperation({ summary: 'Pause: no new chunk starts; running chunks finish' })
  @ApiAcceptedResponse({ type: OrchestrationDto })
  @ApiProblems(401, 404, 409)
  pause(@CurrentUser() user: AuthUser, @OrchestrationId() id: string): Promise<OrchestrationDto> {
    return this.orchestrations.pause(user, id);
  }

  @Post(':id/resume')
  @HttpCode(202)
  @ApiOperation({ summary: 'Resume a paused sync: its pending chunks are queued again' })
  @ApiAcceptedResponse({ type: OrchestrationDto })
  @ApiProblems(401, 404, 409)
  resume(@CurrentUser() user: AuthUser, @OrchestrationId() id: string): Promise<OrchestrationDto> {
    return this.orchestrations.resume(user, id);
  }

  @Post(':id/cancel')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Cancel: pending chunks are cancelled, running ones finish, the sync ends CANCELLED',
  })
  @ApiAcceptedResponse({ type: OrchestrationDto })
  @ApiProblems(401, 404, 409)
  cancel(@CurrentUser() user: AuthUser, @OrchestrationId() id: string): Promise<OrchestrationDto> {
    return this.orchestrations.cancel(user, id);
  }

  private conditional<T>(
    res: Response,
    ifNoneMatch: string | undefined,
    etag: string,
    body: () => T,
  ): T | undefined {
    res.set({ ETag: etag, 'Cache-Control': 'private, no-cache' });
    if (etagMatches(ifNoneMatch, etag)) {
      res.status(304);
      return undefined;
    }
    return body();
  }
}
