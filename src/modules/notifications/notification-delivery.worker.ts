import { Injectable } from '@nestjs/common';
import type { Job } from '../../jobs/job.types.js';
import { JobName, type NotificationJobData } from '../../jobs/job-names.js';
import { OnJob } from '../../jobs/on-job.decorator.js';
import { NotificationsService } from './notifications.service.js';

/** The delivery queue's handlers. */
@Injectable()
export class NotificationDeliveryWorker {
  constructor(private readonly notifications: NotificationsService) {}

  @OnJob(JobName.NotificationDeliver)
  deliver(job: Job<NotificationJobData>): Promise<void> {
    return this.notifications.deliver(job.data.notificationId);
  }

  @OnJob(JobName.NotificationDeadLetter)
  deadLetter(job: Job<NotificationJobData>): Promise<void> {
    return this.notifications.giveUp(job.data.notificationId);
  }
}
