import { Injectable } from '@nestjs/common';
import { sql, type Kysely, type Selectable } from 'kysely';
import { InjectDb } from '../../database/database.tokens.js';
import type {
  DB,
  DeliveryStatus,
  DevicePlatform,
  DevicesTable,
  NotificationCode,
  NotificationDeliveriesTable,
  NotificationsTable,
} from '../../database/schema.js';
import type { Executor } from '../../database/transaction.js';

export type Device = Selectable<DevicesTable>;
export type Notification = Selectable<NotificationsTable>;
export type Delivery = Selectable<NotificationDeliveriesTable>;

/** SQL of devices, notifications and their per-device deliveries. */
@Injectable()
export class NotificationsRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  /** One row per (user, token): registering the same token again returns the same device. */
  /**
   * The user's devices other than the one with `token`, counted after taking a per-user transaction
   * lock (so concurrent registrations cannot pass the cap together).
   */
  async countOtherDevices(executor: Executor, userId: string, token: string): Promise<number> {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`devices:${userId}`}, 0))`.execute(executor);
    const row = await executor
      .selectFrom('devices')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_id', '=', userId)
      .where('token', '<>', token)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async upsertDevice(
    userId: string,
    platform: DevicePlatform,
    token: string,
    executor: Executor = this.db,
  ): Promise<{ device: Device; created: boolean }> {
    const row = await executor
      .insertInto('devices')
      .values({ user_id: userId, platform, token, updated_at: new Date() })
      .onConflict((oc) => oc.columns(['user_id', 'token']).doUpdateSet({ platform, updated_at: new Date() }))
      .returning(sql<boolean>`(xmax = 0)`.as('created'))
      .returningAll()
      .executeTakeFirstOrThrow();
    const { created, ...device } = row as Device & { created: boolean };
    return { device, created };
  }

  async deleteDevice(id: string, userId?: string): Promise<boolean> {
    let query = this.db.deleteFrom('devices').where('id', '=', id);
    if (userId) query = query.where('user_id', '=', userId);
    return (await query.executeTakeFirst()).numDeletedRows > 0n;
  }

  devicesOf(executor: Executor, userId: string): Promise<Device[]> {
    return executor
      .selectFrom('devices')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute();
  }

  /**
   * Inserts a notification once: per completion round of an orchestration (N-05/N-06), per
   * `dedupeKey` otherwise (N-07); undefined when it already exists.
   */
  insertNotification(
    executor: Executor,
    values: {
      userId: string;
      orchestrationId: string | null;
      connectionId?: string | null;
      round: number;
      code: NotificationCode;
      title: string;
      body: string;
      data?: Record<string, string>;
      dedupeKey?: string;
    },
  ): Promise<Notification | undefined> {
    return executor
      .insertInto('notifications')
      .values({
        user_id: values.userId,
        orchestration_id: values.orchestrationId,
        connection_id: values.connectionId ?? null,
        round: values.round,
        code: values.code,
        title: values.title,
        body: values.body,
        data: values.data ? JSON.stringify(values.data) : null,
        dedupe_key: values.dedupeKey ?? null,
      })
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  async insertDeliveries(executor: Executor, notificationId: string, devices: Device[]): Promise<void> {
    if (devices.length === 0) return;
    await executor
      .insertInto('notification_deliveries')
      .values(
        devices.map((d) => ({
          notification_id: notificationId,
          device_id: d.id,
          platform: d.platform,
          updated_at: new Date(),
        })),
      )
      .onConflict((oc) => oc.columns(['notification_id', 'device_id']).doNothing())
      .execute();
  }

  findNotification(id: string): Promise<Notification | undefined> {
    return this.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Deliveries with their device's token (gone if the device was deleted since). */
  deliveriesToSend(notificationId: string): Promise<Array<Delivery & { token: string | null }>> {
    return this.db
      .selectFrom('notification_deliveries as d')
      .leftJoin('devices as v', 'v.id', 'd.device_id')
      .selectAll('d')
      .select('v.token')
      .where('d.notification_id', '=', notificationId)
      .orderBy('d.id')
      .execute();
  }

  /** PENDING/FAILED -> SENDING, committed before the request goes out (so a crash mid-send never re-sends). */
  async claimForSending(deliveryId: string): Promise<boolean> {
    const r = await this.db
      .updateTable('notification_deliveries')
      .set({ status: 'SENDING', attempts: sql`attempts + 1`, updated_at: new Date() })
      .where('id', '=', deliveryId)
      .where('status', 'in', ['PENDING', 'FAILED'])
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async settle(
    deliveryId: string,
    status: DeliveryStatus,
    detail: { providerMessageId?: string; error?: string } = {},
  ): Promise<void> {
    await this.db
      .updateTable('notification_deliveries')
      .set({
        status,
        provider_message_id: detail.providerMessageId ?? null,
        last_error: detail.error?.slice(0, 500) ?? null,
        ...(status === 'SENT' ? { sent_at: new Date() } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', deliveryId)
      .execute();
  }

  listForUser(userId: string, limit: number, afterId?: string): Promise<Notification[]> {
    let query = this.db.selectFrom('notifications').selectAll().where('user_id', '=', userId);
    if (afterId)
      query = query.where(
        sql<boolean>`(created_at, id) < (SELECT created_at, id FROM notifications WHERE id = ${afterId})`,
      );
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }

  deliveriesOf(notificationIds: string[]): Promise<Delivery[]> {
    if (notificationIds.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('notification_deliveries')
      .selectAll()
      .where('notification_id', 'in', notificationIds)
      .orderBy('id')
      .execute();
  }
}
