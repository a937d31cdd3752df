import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { AnalyticsEventType, DB } from '../../database/schema.js';
import { AnalyticsRepository } from './analytics.repository.js';

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
}
