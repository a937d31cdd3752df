import { Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiHeader,
  ApiNotModifiedResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { CurrentUser } from '../../common/auth/current-user.decorator.js';
import { ApiDoc } from '../../common/http/api-problems.decorator.js';
import { etagMatches } from '../../common/http/etag.js';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe.js';
import type { Idempotent, IdempotencyRequest } from '../idempotency/idempotency.service.js';
import { Idempotency, IdempotentRoute } from '../idempotency/idempotent-route.decorator.js';
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
  @ApiDoc({
    summary: "The caller's orchestrations, newest first",
    description:
      'Every sync of the caller (historical and automatic 7-day ones, on every connection), newest first, ' +
      'optionally only those in one `status`. The app’s sync history screen; `nextCursor` pages on.',
    errors: { VALIDATION_FAILED: 'an unknown `status`, a `limit` outside 1–100, or a malformed `cursor`' },
  })
  @ApiOkResponse({ type: OrchestrationListDto, description: 'One page of orchestrations, newest first' })
  list(
    @CurrentUser() user: AuthUser,
    @Query() query: ListOrchestrationsQueryDto,
  ): Promise<OrchestrationListDto> {
    return this.orchestrations.list(user, query);
  }

  @Get(':id')
  @ApiDoc({
    summary: 'One orchestration (ETag; If-None-Match answers 304)',
    description:
      'The whole record of one sync: range, connection, status, chunk counters, progress, ETA, and the fatal ' +
      'error if it FAILED. Sends an `ETag`; a request with `If-None-Match` set to it answers 304 with no body ' +
      'while nothing changed. For frequent polling prefer the compact `.../status`.',
    errors: { NOT_FOUND: 'no orchestration with this id, or it is another user’s' },
  })
  @ApiOkResponse({
    type: OrchestrationDto,
    description: 'The orchestration',
    headers: { ETag: { description: 'Send it back in If-None-Match', schema: { type: 'string' } } },
  })
  @ApiNotModifiedResponse({ description: 'Unchanged since the ETag sent in If-None-Match' })
  async get(
    @CurrentUser() user: AuthUser,
    @OrchestrationId() id: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<OrchestrationDto | undefined> {
    const o = await this.orchestrations.get(user, id);
    return this.conditional(res, ifNoneMatch, etagOf(o), () =>
      toOrchestrationDto(o, undefined, this.orchestrations.queueSeconds(o)),
    );
  }

  @Get(':id/status')
  @ApiDoc({
    summary: 'Compact progress for polling every 10 s (ETag; If-None-Match answers 304)',
    description:
      'What the app’s progress bar polls while a sync runs: status, chunk counters, `progressPercent` and ' +
      '`estimatedSecondsRemaining`. Send the last `ETag` in `If-None-Match`: an unchanged sync answers 304 ' +
      'with no body. Stop polling when `status` is COMPLETED, COMPLETED_WITH_ERRORS, FAILED or CANCELLED.',
    errors: { NOT_FOUND: 'no orchestration with this id, or it is another user’s' },
  })
  @ApiOkResponse({
    type: OrchestrationStatusDto,
    description: 'Progress now',
    headers: { ETag: { description: 'Send it back in If-None-Match', schema: { type: 'string' } } },
  })
  @ApiNotModifiedResponse({ description: 'Unchanged since the ETag sent in If-None-Match' })
  async status(
    @CurrentUser() user: AuthUser,
    @OrchestrationId() id: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<OrchestrationStatusDto | undefined> {
    const o = await this.orchestrations.get(user, id);
    return this.conditional(res, ifNoneMatch, etagOf(o), () =>
      toStatusDto(o, undefined, this.orchestrations.queueSeconds(o)),
    );
  }

  @Get(':id/chunks')
  @ApiDoc({
    summary: 'The chunks of an orchestration, by index (US-32: which parts failed)',
    description:
      'One row per one-month chunk, in date order: its dates, status, attempts, records read, written and ' +
      'skipped, and `lastError` (`code`, `message`, `retryable`) when it failed. `?status=FAILED` shows what ' +
      '`retry-failed` would re-run.',
    errors: {
      NOT_FOUND: 'no orchestration with this id, or it is another user’s',
      VALIDATION_FAILED: 'an unknown `status`, a `limit` outside 1–120, or a malformed `cursor`',
    },
  })
  @ApiOkResponse({ type: ChunkListDto, description: 'The chunks, by index' })
  chunks(
    @CurrentUser() user: AuthUser,
    @OrchestrationId() id: string,
    @Query() query: ListChunksQueryDto,
  ): Promise<ChunkListDto> {
    return this.orchestrations.listChunks(user, id, query);
  }

  @Post(':id/retry-failed')
  @ApiDoc({
    summary: 'Re-run only the FAILED chunks (US-32). Idempotent by Idempotency-Key.',
    description:
      'After a sync ended COMPLETED_WITH_ERRORS or FAILED (or while it still runs), queues its FAILED chunks ' +
      'again, and only them: completed chunks are not re-read, and records already written are never written ' +
      'twice. The orchestration goes back to IN_PROGRESS and ends again with a new notification. A repeat ' +
      'with the same `Idempotency-Key` replays the first answer.',
    errors: {
      IDEMPOTENCY_KEY_REQUIRED: '',
      IDEMPOTENCY_KEY_REUSED: 'the key was used by this user for another request',
      IDEMPOTENCY_KEY_IN_PROGRESS: '',
      NOT_FOUND: 'no orchestration with this id, or it is another user’s',
      INVALID_STATE: 'the sync has no FAILED chunk, or it is PAUSED or CANCELLED',
    },
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: true,
    description: '1–255 characters; a repeat with the same key replays the first answer',
  })
  @ApiAcceptedResponse({
    type: RetryFailedResponseDto,
    description: 'The failed chunks are queued again',
  })
  @IdempotentRoute<RetryFailedResponseDto>({
    status: 202,
    location: (retry) => `/v1/orchestrations/${retry.orchestration.orchestrationId}`,
    required: true,
  })
  retryFailed(
    @CurrentUser() user: AuthUser,
    @Idempotency() idempotency: IdempotencyRequest<RetryFailedResponseDto>,
    @OrchestrationId() id: string,
  ): Promise<Idempotent<RetryFailedResponseDto>> {
    return this.orchestrations.retryFailed(user, id, idempotency);
  }

  @Post(':id/pause')
  @HttpCode(202)
  @ApiDoc({
    summary: 'Pause: no new chunk starts; running chunks finish',
    description:
      'Holds a PENDING or IN_PROGRESS sync: no new chunk starts, chunks already running finish, and the ' +
      'status is PAUSED (ETA null) until `.../resume`. Nothing is lost.',
    errors: {
      NOT_FOUND: 'no orchestration with this id, or it is another user’s',
      INVALID_STATE: 'the sync is not PENDING or IN_PROGRESS (already paused, or ended)',
    },
  })
  @ApiAcceptedResponse({ type: OrchestrationDto, description: 'Paused' })
  pause(@CurrentUser() user: AuthUser, @OrchestrationId() id: string): Promise<OrchestrationDto> {
    return this.orchestrations.pause(user, id);
  }

  @Post(':id/resume')
  @HttpCode(202)
  @ApiDoc({
    summary: 'Resume a paused sync: its pending chunks are queued again',
    description: 'Continues a PAUSED sync where it stopped: its PENDING chunks are queued again.',
    errors: {
      NOT_FOUND: 'no orchestration with this id, or it is another user’s',
      INVALID_STATE: 'the sync is not PAUSED',
    },
  })
  @ApiAcceptedResponse({ type: OrchestrationDto, description: 'Running again' })
  resume(@CurrentUser() user: AuthUser, @OrchestrationId() id: string): Promise<OrchestrationDto> {
    return this.orchestrations.resume(user, id);
  }

  @Post(':id/cancel')
  @HttpCode(202)
  @ApiDoc({
    summary: 'Cancel: pending chunks are cancelled, running ones finish, the sync ends CANCELLED',
    description:
      'Stops a sync for good: PENDING chunks become CANCELLED, running ones finish, and the status is ' +
      'CANCELLED. Records already written stay at the destination. No notification is sent.',
    errors: {
      NOT_FOUND: 'no orchestration with this id, or it is another user’s',
      INVALID_STATE: 'the sync already ended (COMPLETED, COMPLETED_WITH_ERRORS, FAILED or CANCELLED)',
    },
  })
  @ApiAcceptedResponse({ type: OrchestrationDto, description: 'Cancelled' })
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
