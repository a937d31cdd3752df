import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { DevicesService } from './devices.service.js';
import { NotificationDeliveryWorker } from './notification-delivery.worker.js';
import { NotificationsRepository } from './notifications.repository.js';
import { NotificationsService } from './notifications.service.js';
import { FcmPushDriver } from './push/fcm-push.driver.js';
import { LogPushDriver } from './push/log-push.driver.js';
import { PUSH_DRIVER } from './push/push-driver.js';
import { PushMetrics } from './push/push-metrics.js';

/** Devices, the notification outbox and push delivery (FCM HTTP v1, or the log driver). */
@Module({
  providers: [
    DevicesService,
    NotificationsRepository,
    NotificationsService,
    NotificationDeliveryWorker,
    PushMetrics,
    {
      provide: PUSH_DRIVER,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        config.push.driver === 'fcm' ? new FcmPushDriver(config) : new LogPushDriver(),
    },
  ],
  exports: [DevicesService, NotificationsService, NotificationsRepository],
})
export class NotificationsModule {}
