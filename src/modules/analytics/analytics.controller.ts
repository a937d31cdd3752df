import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../common/auth/admin.guard.js';
import { ApiProblems } from '../../common/http/api-problems.decorator.js';
import { AnalyticsService } from './analytics.service.js';
import { AnalyticsSummaryDto, SummaryQueryDto } from './dto/analytics-summary.dto.js';

@ApiTags('admin')
@AdminOnly()
@Controller('v1/admin/analytics')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get('summary')
  @ApiOperation({
    summary:
      'The PRD’s success metrics: syncs per week, job success rate, 1-year P50/P90, upsell conversions',
  })
  @ApiOkResponse({ type: AnalyticsSummaryDto })
  @ApiProblems(401, 422)
  summary(@Query() query: SummaryQueryDto): Promise<AnalyticsSummaryDto> {
    return this.analytics.summary(query.from, query.to);
  }
}
