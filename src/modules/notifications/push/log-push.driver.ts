import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { PushDriver, PushMessage, PushResult } from './push-driver.js';

/** Without FCM configured: records what would be sent, in the log (the device token shortened). */
@Injectable()
export class LogPushDriver implements PushDriver {
  readonly name = 'log';
  private readonly logger = new Logger('Push');

  async send(message: PushMessage): Promise<PushResult> {
    this.logger.log(
      `[log push driver] to ${message.platform} device …${message.token.slice(-6)}: "${message.title}: ${message.body}" ` +
        `data=${JSON.stringify(message.data)} collapse=${message.collapseKey}`,
    );
    return { outcome: 'sent', messageId: `log:${randomUUID()}` };
  }
}
