import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../common/auth/admin.guard.js';
import { ApiDoc } from '../../common/http/api-problems.decorator.js';
import { AnalyticsService } from './analytics.service.js';
import { AnalyticsSummaryDto, SummaryQueryDto } from './dto/analytics-summary.dto.js';

@ApiTags('admin')
@AdminOnly()
@Controller('v1/admin/analytics')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get('summary')
  @ApiDoc({
    summary:
      'The PRD’s success metrics: syncs per week, job success rate, 1-year P50/P90, upsell conversions',
    description:
      'Admin. Computes the product’s success metrics over a window (default: the last 28 days): historical syncs ' +
      'requested per ISO week, first-round outcomes and success rate, request-to-completion time of 1-year ' +
      'syncs, and how many users shown the Pro upsell were granted Pro afterwards.',
    errors: {
      VALIDATION_FAILED: '`from` or `to` is not an RFC 3339 timestamp, or `from` is not before `to`',
    },
  })
  @ApiOkResponse({ type: AnalyticsSummaryDto, description: 'The metrics for the window' })
  summary(@Query() query: SummaryQueryDto): Promise<AnalyticsSummaryDto> {
    return this.analytics.summary(query.from, query.to);
  }
}
