import { Body, Controller, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AdminOnly } from '../../common/auth/admin.guard.js';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { CurrentUser } from '../../common/auth/current-user.decorator.js';
import { ApiProblems } from '../../common/http/api-problems.decorator.js';
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
  @ApiOperation({ summary: 'Queue depths by state, counted now' })
  @ApiOkResponse({ type: QueueListDto })
  @ApiProblems(401)
  queues(): Promise<QueueListDto> {
    return this.admin.queues();
  }

  @Get('dead-letters')
  @ApiOperation({ summary: 'Jobs whose retries were spent (newest first), with the chunk they belong to' })
  @ApiOkResponse({ type: DeadLetterListDto })
  @ApiProblems(401, 422)
  deadLetters(@Query() query: DeadLetterQueryDto): Promise<DeadLetterListDto> {
    return this.admin.deadLetters(query);
  }

  @Post('dead-letters/redrive')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Run dead-lettered work again (dead chunks go back through the engine)',
    description:
      'The body must say what: `ids`, a `queue`, or `{ "all": true }`; no body or `{}` is 422. ' +
      'Each redrive is written to the admin audit log with the caller’s id.',
  })
  @ApiOkResponse({ type: RedriveResultDto })
  @ApiProblems(401, 422)
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
