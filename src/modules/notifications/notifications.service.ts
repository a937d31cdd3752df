import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Kysely, Transaction } from 'kysely';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { decodeCursor, page } from '../../common/http/cursor.js';
import { AppConfig } from '../../config/app-config.js';
import type { DB, NotificationCode, Orchestration, ProviderName } from '../../database/schema.js';
import type { Notification } from './notifications.repository.js';
import { JobName } from '../../jobs/job-names.js';
import { JobsService } from '../../jobs/jobs.service.js';
import type { NotificationListDto } from './dto/notification.dto.js';
import { NotificationsRepository } from './notifications.repository.js';
import { PUSH_DRIVER, type PushDriver } from './push/push-driver.js';
import { PushMetrics } from './push/push-metrics.js';
import { descriptorOf } from '../providers/provider-descriptors.js';
import { setTimeout as wait } from 'node:timers/promises';

/** FR-4's messages. */
export const MESSAGES: Record<NotificationCode, { title: string; body: string }> = {
  'N-05': { title: 'SyncWell', body: 'Your historical sync is complete.' },
  'N-06': { title: 'SyncWell', body: 'Your historical sync finished with some errors.' },
  'N-07': { title: 'SyncWell', body: 'Reconnect {Provider} to finish your historical sync.' },
};

/**
 * A delivery found SENDING when its job runs was cut off by a crash of the previous attempt (a
 * job runs on one worker at a time); the grace covers a clock skew between worker and database.
 */
const SENDING_GRACE_MS = 2_000;

/**
 * Push notifications as a transactional outbox: the completion transaction writes the notification
 * (N-05 / N-06) and its per-device deliveries and enqueues the delivery job (its id is the
 * notification's), so each completion round gives exactly one notification whatever crashes, sweeps
 * or retries happen. A delivery is marked SENDING before the request leaves, so a process killed
 * mid-send is never followed by a second send (it ends UNCONFIRMED).
 */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger(NotificationsService.name);

  constructor(
    private readonly repository: NotificationsRepository,
    private readonly jobs: JobsService,
    private readonly config: AppConfig,
    @Inject(PUSH_DRIVER) private readonly push: PushDriver,
    private readonly metrics: PushMetrics,
  ) {}

  /** Called inside the completion transaction of an orchestration. */
  async onSyncCompleted(trx: Kysely<DB>, o: Orchestration): Promise<void> {
    if (o.kind === 'INITIAL_7_DAY' && !this.config.push.initialSyncNotify) return;
    const code: NotificationCode | undefined =
      o.status === 'COMPLETED'
        ? 'N-05'
        : o.status === 'COMPLETED_WITH_ERRORS' || o.status === 'FAILED'
          ? 'N-06'
          : undefined;
    if (!code) return;
    const notification = await this.repository.insertNotification(trx, {
      userId: o.user_id,
      orchestrationId: o.id,
      round: o.round,
      code,
      ...MESSAGES[code],
    });
    if (notification) await this.enqueue(trx, notification, o.user_id);
  }

  /**
   * N-07, inside the transaction that pauses a connection's syncs for a revoked grant: once per
   * revocation (`revokedAt` tells one revocation from the next), whatever retries or crashes.
   */
  async onGrantRevoked(
    trx: Kysely<DB>,
    revocation: { userId: string; connectionId: string; provider: ProviderName; revokedAt: Date },
  ): Promise<void> {
    const notification = await this.repository.insertNotification(trx, {
      userId: revocation.userId,
      orchestrationId: null,
      connectionId: revocation.connectionId,
      round: 0,
      code: 'N-07',
      title: MESSAGES['N-07'].title,
      body: MESSAGES['N-07'].body.replace('{Provider}', descriptorOf(revocation.provider).displayName),
      data: { connectionId: revocation.connectionId, provider: revocation.provider },
      dedupeKey: `N-07:${revocation.connectionId}:${revocation.revokedAt.getTime()}`,
    });
    if (notification) await this.enqueue(trx, notification, revocation.userId);
  }

  private async enqueue(trx: Kysely<DB>, notification: Notification, userId: string): Promise<void> {
    await this.repository.insertDeliveries(
      trx,
      notification.id,
      await this.repository.devicesOf(trx, userId),
    );
    await this.jobs.send(
      JobName.NotificationDeliver,
      { notificationId: notification.id },
      { id: notification.id },
      trx as Transaction<DB>,
    );
  }

  /**
   * Sends a notification to each of its devices not yet settled. Throws when some delivery should
   * be tried again later (pg-boss retries the job with backoff).
   */
  async deliver(notificationId: string): Promise<void> {
    const notification = await this.repository.findNotification(notificationId);
    if (!notification) return;
    let retry: string | undefined;
    for (const delivery of await this.repository.deliveriesToSend(notificationId)) {
      if (delivery.status === 'SENDING') {
        if (Date.now() - delivery.updated_at.getTime() > SENDING_GRACE_MS) {
          await this.repository.settle(delivery.id, 'UNCONFIRMED', {
            error: 'the process sending it stopped mid-send; not sent again',
          });
        } else retry = 'a delivery is being sent right now';
        continue;
      }
      if (!['PENDING', 'FAILED'].includes(delivery.status)) continue;
      if (!delivery.token) {
        await this.repository.settle(delivery.id, 'INVALID_TOKEN', { error: 'the device was removed' });
        continue;
      }
      if (!(await this.repository.claimForSending(delivery.id))) continue;
      const result = await this.send(delivery.token, delivery.platform, notification.code, notification);
      this.metrics.sent(this.push.name, result.outcome);
      switch (result.outcome) {
        case 'sent':
          await this.repository.settle(delivery.id, 'SENT', { providerMessageId: result.messageId });
          break;
        case 'invalid_token':
          await this.repository.settle(delivery.id, 'INVALID_TOKEN', { error: result.error });
          await this.repository.deleteDevice(delivery.device_id);
          this.logger.warn(
            `removed device ${delivery.device_id}: its push token is no longer valid (${result.error})`,
          );
          break;
        case 'retry':
          await this.repository.settle(delivery.id, 'FAILED', { error: result.error });
          retry = result.error;
          break;
        case 'failed':
          await this.repository.settle(delivery.id, 'FAILED', { error: result.error });
          retry = result.error;
          break;
      }
    }
    if (retry) throw new Error(`notification ${notificationId} not fully delivered: ${retry}`);
  }

  /** Retries spent: what could not be sent stays FAILED. */
  async giveUp(notificationId: string): Promise<void> {
    this.logger.warn(`giving up on notification ${notificationId}`);
  }

  private async send(
    token: string,
    platform: 'android' | 'ios' | 'web',
    code: NotificationCode,
    n: Notification,
  ) {
    const data: Record<string, string> = n.orchestration_id
      ? { type: code, orchestrationId: n.orchestration_id }
      : { type: code, ...(n.data ?? {}) };
    // a short Retry-After is honoured in place; a long one is left to the job's backoff
    for (let attempt = 0; ; attempt++) {
      const result = await this.push.send({
        token,
        platform,
        title: n.title,
        body: n.body,
        data,
        collapseKey: n.orchestration_id ? `sync-${n.orchestration_id}` : `reauth-${n.connection_id}`,
      });
      if (result.outcome !== 'retry' || attempt >= 2 || (result.retryAfterMs ?? 1000) > 10_000) return result;
      this.metrics.sent(this.push.name, 'retry'); // a 5xx/429 answered in place: counted too
      await wait(result.retryAfterMs ?? 500 * 2 ** attempt);
    }
  }

  async list(user: AuthUser, query: { limit?: number; cursor?: string }): Promise<NotificationListDto> {
    const limit = query.limit ?? 20;
    const rows = await this.repository.listForUser(user.userId, limit + 1, decodeCursor(query.cursor));
    const deliveries = await this.repository.deliveriesOf(rows.map((r) => r.id));
    return page(rows, limit, (n) => ({
      id: n.id,
      code: n.code,
      orchestrationId: n.orchestration_id,
      connectionId: n.connection_id,
      title: n.title,
      body: n.body,
      createdAt: n.created_at.toISOString(),
      deliveries: deliveries
        .filter((d) => d.notification_id === n.id)
        .map((d) => ({ deviceId: d.device_id, status: d.status })),
    }));
  }
}
