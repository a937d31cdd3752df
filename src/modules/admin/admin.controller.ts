import { Body, Controller, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AdminOnly } from '../../common/auth/admin.guard.js';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { CurrentUser } from '../../common/auth/current-user.decorator.js';
import { ApiDoc } from '../../common/http/api-problems.decorator.js';
import { AdminService } from './admin.service.js';
import {
  DeadLetterListDto,
  DeadLetterQueryDto,
  QueueListDto,
  RedriveDto,
  RedriveResultDto,
} from './dto/admin.dto.js';

@ApiTags('admin')
@AdminOnly()
@Controller('v1/admin')
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Get('queues')
  @ApiDoc({
    summary: 'Queue depths by state, counted now',
    description:
      'Admin. One row per pg-boss queue (chunk runs, dead letters, notifications, ...) with its jobs counted by ' +
      'state right now. Use it to see a backlog building (`ready`, `deferred`) or work dying (`failed`). ' +
      'The same depths are exported as the `syncwell_queue_depth` metric.',
  })
  @ApiOkResponse({ type: QueueListDto, description: 'Every queue with its counts' })
  queues(): Promise<QueueListDto> {
    return this.admin.queues();
  }

  @Get('dead-letters')
  @ApiDoc({
    summary: 'Jobs whose retries were spent (newest first), with the chunk they belong to',
    description:
      'Admin. A chunk job that failed permanently or ran out of retries lands in a dead-letter queue, whose ' +
      'handler marks the chunk FAILED. This lists those dead letters with the last error and the chunk’s status ' +
      'now, so an operator can decide to redrive them (after an outage) or leave them to the user’s retry-failed.',
    errors: { VALIDATION_FAILED: 'an unknown `queue`, a `limit` outside 1–100, or a malformed `cursor`' },
  })
  @ApiOkResponse({ type: DeadLetterListDto, description: 'One page of dead letters, newest first' })
  deadLetters(@Query() query: DeadLetterQueryDto): Promise<DeadLetterListDto> {
    return this.admin.deadLetters(query);
  }

  @Post('dead-letters/redrive')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Run dead-lettered work again (dead chunks go back through the engine)',
    description:
      'Admin. After the cause of a wave of failures is fixed (a provider outage, a bad deploy), sends dead ' +
      'letters back to run: their chunks become PENDING again and their orchestrations resume counting. ' +
      'Dead letters of paused or cancelled syncs are left in place (`skipped`). The body must say what: ' +
      '`ids`, a `queue`, or `{ "all": true }` (up to `limit` from every dead-letter queue); no body or `{}` ' +
      'is 422, so a mis-sent request never means "everything". Each redrive is written to the admin audit ' +
      'log with the caller’s id.',
    errors: {
      VALIDATION_FAILED:
        'no body or `{}` (say what to redrive), `all` combined with `queue` or `ids`, an unknown `queue`, `ids` that are not UUIDs, or a `limit` outside 1–1000',
    },
  })
  @ApiOkResponse({ type: RedriveResultDto, description: 'How many were sent back, and how many were left' })
  redrive(
    @CurrentUser() admin: AuthUser,
    @Body() body: RedriveDto,
    @Req() req: Request & { id?: unknown },
  ): Promise<RedriveResultDto> {
    return this.admin.redrive(body, {
      adminId: admin.userId,
      requestId: typeof req.id === 'string' ? req.id : null,
    });
  }
}
