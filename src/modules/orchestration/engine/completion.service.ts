import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { DB, ErrorInfo, Orchestration, OrchestrationStatus } from '../../../database/schema.js';
import { AnalyticsService } from '../../analytics/analytics.service.js';
import { NotificationsService } from '../../notifications/notifications.service.js';
import { daysBetween } from '../../../common/civil-date.js';
import { OrchestrationRepository } from '../orchestration.repository.js';
import { canTransition, fromStatuses } from '../orchestration-state.js';

/** The final status once completed + failed = total. */
export function finalStatus(
  o: Pick<Orchestration, 'completed_chunks' | 'total_chunks'>,
): OrchestrationStatus {
  if (o.completed_chunks === o.total_chunks) return 'COMPLETED';
  return o.completed_chunks === 0 ? 'FAILED' : 'COMPLETED_WITH_ERRORS';
}

/**
 * Completion detection. Runs inside the transaction that changed the counters (whose UPDATE holds
 * the orchestration's row lock), finalizes the orchestration when every chunk is terminal, and
 * records the completion event once per (orchestration, round): the unique row that notifications
 * and analytics hang on. A completion after a retry-failed round is a new round.
 */
@Injectable()
export class CompletionService {
  constructor(
    private readonly orchestrations: OrchestrationRepository,
    private readonly analytics: AnalyticsService,
    private readonly notifications: NotificationsService,
  ) {}

  /** Returns the finalized orchestration when this call completed it, else undefined. */
  async maybeFinalize(trx: Kysely<DB>, o: Orchestration): Promise<Orchestration | undefined> {
    if (!canTransition('complete', o.status)) return undefined;
    if (o.completed_chunks + o.failed_chunks < o.total_chunks) return undefined;
    let status = finalStatus(o);
    // a chunk that failed on record faults imported its other records: errors, not a failed sync
    if (status === 'FAILED' && (await this.orchestrations.failedOnlyByRecordFaults(trx, o.id)))
      status = 'COMPLETED_WITH_ERRORS';
    // an unhappy ending says why: its last failed chunk's error (null once every chunk succeeded)
    const lastError = status === 'COMPLETED' ? null : await this.orchestrations.lastChunkError(trx, o.id);
    const done = await this.orchestrations.transition(trx, o.id, fromStatuses('complete'), status, {
      completed: true,
      lastError,
    });
    return done && (await this.recordCompletion(trx, done));
  }

  /** Ends an active orchestration FAILED at once (revoked authorization, deleted connection). */
  async failNow(trx: Kysely<DB>, id: string, error: ErrorInfo): Promise<Orchestration | undefined> {
    const done = await this.orchestrations.transition(trx, id, fromStatuses('fail'), 'FAILED', {
      completed: true,
      lastError: error,
    });
    return done && (await this.recordCompletion(trx, done));
  }

  private async recordCompletion(trx: Kysely<DB>, o: Orchestration): Promise<Orchestration | undefined> {
    const completion = await this.orchestrations.insertCompletion(trx, o);
    if (!completion) return undefined;
    await this.analytics.record(
      {
        type: 'SYNC_COMPLETED',
        userId: o.user_id,
        orchestrationId: o.id,
        properties: {
          kind: o.kind,
          outcome: o.status,
          round: o.round,
          durationSeconds: durationSeconds(o),
          rangeDays: daysBetween(o.start_date, o.end_date) + 1,
          totalChunks: o.total_chunks,
          completedChunks: o.completed_chunks,
          failedChunks: o.failed_chunks,
        },
      },
      trx,
    );
    await this.notifications.onSyncCompleted(trx, o);
    return o;
  }
}

/** From the request (or the retry-failed that started this round) to completion. */
export function durationSeconds(o: Pick<Orchestration, 'round_started_at' | 'completed_at'>): number {
  const end = o.completed_at ?? new Date();
  return Math.max(0, Math.round((end.getTime() - o.round_started_at.getTime()) / 1000));
}
