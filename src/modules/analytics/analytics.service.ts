import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { AnalyticsEventType, DB } from '../../database/schema.js';
import { validationFailed } from '../../common/errors/problem.exception.js';
import { AnalyticsRepository } from './analytics.repository.js';
import type { AnalyticsSummaryDto } from './dto/analytics-summary.dto.js';

export interface AnalyticsEvent {
  type: AnalyticsEventType;
  userId: string;
  orchestrationId?: string | null;
  properties?: Record<string, unknown>;
}

/**
 * Product analytics (the PRD's success metrics). Events describing a state change are written in
 * the transaction of that change (pass it as `executor`), so they exist exactly when the change does.
 */
@Injectable()
export class AnalyticsService {
  constructor(private readonly repository: AnalyticsRepository) {}

  async record(event: AnalyticsEvent | AnalyticsEvent[], executor?: Kysely<DB>): Promise<void> {
    const events = Array.isArray(event) ? event : [event];
    await this.repository.insert(
      events.map((e) => ({
        type: e.type,
        user_id: e.userId,
        orchestration_id: e.orchestrationId ?? null,
        properties: JSON.stringify(e.properties ?? {}),
      })),
      executor,
    );
  }

  /**
   * The PRD's success metrics over [from, to): historical syncs requested per ISO week; the job
   * success rate over the first round of each historical sync finished in the window (retry rounds
   * are not a second chance at the metric; cancelled syncs are excluded); P50/P90 request-to-completion
   * time of 1-year syncs (365-366 days) by linear interpolation (percentile_cont); and users shown
   * the upsell who were granted Pro afterwards.
   */
  async summary(fromText?: string, toText?: string): Promise<AnalyticsSummaryDto> {
    const to = toText ? new Date(toText) : new Date();
    const from = fromText ? new Date(fromText) : new Date(to.getTime() - 28 * 86_400_000);
    if (from >= to) throw validationFailed([{ field: 'from', message: 'from must be before to' }]);
    const rows = await this.repository.summary(from, to);
    const outcome = (name: string) => rows.outcomes.find((o) => o.outcome === name)?.count ?? 0;
    const outcomes = {
      completed: outcome('COMPLETED'),
      completedWithErrors: outcome('COMPLETED_WITH_ERRORS'),
      failed: outcome('FAILED'),
    };
    const finished = outcomes.completed + outcomes.completedWithErrors + outcomes.failed;
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      syncsInitiated: rows.weeks.reduce((sum, w) => sum + w.count, 0),
      syncsInitiatedPerWeek: rows.weeks.map((w) => ({ weekStart: w.week_start, count: w.count })),
      outcomes,
      jobSuccessRate: finished ? outcomes.completed / finished : null,
      oneYearCompletion: {
        count: rows.oneYear.count,
        p50Seconds: rows.oneYear.p50,
        p90Seconds: rows.oneYear.p90,
      },
      upsell: {
        usersShown: rows.upsell.shown,
        usersConverted: rows.upsell.converted,
        conversionRate: rows.upsell.shown ? rows.upsell.converted / rows.upsell.shown : null,
      },
    };
  }
}
