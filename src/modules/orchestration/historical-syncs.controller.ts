import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { CurrentUser } from '../../common/auth/current-user.decorator.js';
import { ApiProblems } from '../../common/http/api-problems.decorator.js';
import { Idempotency, type IdempotencyRequest } from '../../common/http/idempotency-key.decorator.js';
import { ResourceIdPipe } from '../../common/http/uuid.pipe.js';
import { RequiresPro } from '../entitlements/requires-pro.guard.js';
import { EstimateDto } from './dto/estimate.dto.js';
import { OrchestrationDto } from './dto/orchestration.dto.js';
import { CreateHistoricalSyncDto, EstimateQueryDto } from './dto/range.dto.js';
import { HistoricalSyncService } from './historical-sync.service.js';

@ApiTags('historical syncs')
@Controller('v1/connections/:connectionId/historical-syncs')
export class HistoricalSyncsController {
  constructor(private readonly syncs: HistoricalSyncService) {}

  @Get('estimate')
  @RequiresPro()
  @ApiOperation({ summary: 'Estimate chunks, API calls and duration of a range (FR-2)' })
  @ApiOkResponse({ type: EstimateDto })
  @ApiProblems(401, 403, 404, 422)
  estimate(
    @CurrentUser() user: AuthUser,
    @Param('connectionId', new ResourceIdPipe('Connection')) connectionId: string,
    @Query() query: EstimateQueryDto,
  ): Promise<EstimateDto> {
    return this.syncs.estimate(user, connectionId, query);
  }

  @Post()
  @RequiresPro()
  @ApiOperation({
    summary: 'Start a historical sync (Pro)',
    description:
      'Splits the range into one-month chunks and queues them. Idempotent: a repeat with the same ' +
      '`Idempotency-Key` and body returns the first response with `Idempotent-Replayed: true`.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: '1–255 characters, unique per request' })
  @ApiAcceptedResponse({
    type: OrchestrationDto,
    description: 'Queued; `Location` names the orchestration',
    headers: {
      Location: { description: '/v1/orchestrations/{orchestrationId}', schema: { type: 'string' } },
      'Idempotent-Replayed': { description: '"true" on a replay', schema: { type: 'string' } },
    },
  })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  async create(
    @CurrentUser() user: AuthUser,
    @Idempotency() idempotency: IdempotencyRequest,
    @Param('connectionId', new ResourceIdPipe('Connection')) connectionId: string,
    @Body() body: CreateHistoricalSyncDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<OrchestrationDto> {
    const result = await this.syncs.create(user, connectionId, body, idempotency);
    res.status(result.status).set(result.headers);
    if (result.replayed) res.set('Idempotent-Replayed', 'true');
    return result.body;
  }
}
