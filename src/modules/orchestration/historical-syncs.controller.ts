import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { CurrentUser } from '../../common/auth/current-user.decorator.js';
import { ApiDoc } from '../../common/http/api-problems.decorator.js';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe.js';
import { RequiresPro } from '../entitlements/requires-pro.guard.js';
import type { Idempotent, IdempotencyRequest } from '../idempotency/idempotency.service.js';
import { Idempotency, IdempotentRoute } from '../idempotency/idempotent-route.decorator.js';
import { EstimateDto } from './dto/estimate.dto.js';
import { OrchestrationDto } from './dto/orchestration.dto.js';
import { CreateHistoricalSyncDto, EstimateQueryDto } from './dto/range.dto.js';
import { SyncStartService } from './sync-start.service.js';
import { OwnedConnectionGuard } from './owned-connection.guard.js';

@ApiTags('historical syncs')
@Controller('v1/connections/:connectionId/historical-syncs')
export class HistoricalSyncsController {
  constructor(private readonly syncs: SyncStartService) {}

  @Get('estimate')
  @RequiresPro(OwnedConnectionGuard)
  @ApiDoc({
    summary: 'Estimate chunks, API calls and duration of a range (FR-2)',
    description:
      'Pro. What the app shows before the user confirms a sync: the resolved dates, how many one-month chunks, ' +
      'how many sessions a typical account holds, how many calls each provider will get, and how long it will ' +
      'take given the providers’ rate limits (`warnings` says when a quota, not this service, sets the pace). ' +
      'Takes the same range as `POST .../historical-syncs` (`preset`, and `startDate`/`endDate` for CUSTOM); ' +
      'creates nothing.',
    errors: {
      NOT_FOUND: 'no connection with this id, or it is another user’s',
      VALIDATION_FAILED:
        'an unknown `preset`, CUSTOM without both dates, a date that is not YYYY-MM-DD, start after end, end in the future, or a span over 10 years',
    },
  })
  @ApiOkResponse({ type: EstimateDto, description: 'The estimate for the range' })
  estimate(
    @CurrentUser() user: AuthUser,
    @Param('connectionId', new ResourceIdPipe('Connection')) connectionId: string,
    @Query() query: EstimateQueryDto,
  ): Promise<EstimateDto> {
    return this.syncs.estimate(user, connectionId, query);
  }

  @Post()
  @RequiresPro(OwnedConnectionGuard)
  @ApiDoc({
    summary: 'Start a historical sync (Pro)',
    description:
      'Pro. Resolves the range in the connection’s time zone (LAST_30_DAYS, LAST_YEAR, ALL_TIME from the ' +
      'source account’s first data, or CUSTOM dates; the end defaults to today), splits it into one-month ' +
      'chunks anchored at the start date, and queues them; workers run them in parallel. Answers at once ' +
      'with the orchestration to poll (`Location`). Idempotent: a repeat with the same `Idempotency-Key` and ' +
      'body returns the first response with `Idempotent-Replayed: true` and creates nothing; a new sync ' +
      'needs a new key. One HISTORICAL sync at a time per connection (the automatic 7-day sync does not count).',
    errors: {
      IDEMPOTENCY_KEY_REQUIRED: '',
      IDEMPOTENCY_KEY_REUSED: 'the key was used by this user for a different range or connection',
      IDEMPOTENCY_KEY_IN_PROGRESS: '',
      NOT_FOUND: 'no connection with this id, or it is another user’s',
      SYNC_ALREADY_ACTIVE: '',
      SYNC_LIMIT_REACHED: '',
      PROVIDER_UNAVAILABLE:
        'ALL_TIME needs the source’s first data date and the source is rate-limited, down or timed out; nothing was created',
      PROVIDER_AUTH_FAILED: 'ALL_TIME: the source refused the stored grant (reconnect the account)',
      VALIDATION_FAILED:
        'no `range`, an unknown `preset`, CUSTOM without both dates, a date that is not YYYY-MM-DD, start after end, end in the future, or a span over 10 years',
    },
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
  @IdempotentRoute<OrchestrationDto>({
    status: 202,
    location: (o) => `/v1/orchestrations/${o.orchestrationId}`,
    required: true,
  })
  create(
    @CurrentUser() user: AuthUser,
    @Idempotency() idempotency: IdempotencyRequest<OrchestrationDto>,
    @Param('connectionId', new ResourceIdPipe('Connection')) connectionId: string,
    @Body() body: CreateHistoricalSyncDto,
  ): Promise<Idempotent<OrchestrationDto>> {
    return this.syncs.create(user, connectionId, body, idempotency);
  }
}
