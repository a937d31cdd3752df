import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { ProblemException } from '../../common/errors/problem.exception.js';
import { AppConfig } from '../../config/app-config.js';
import { InjectDb } from '../../database/database.tokens.js';
import type { DB, DevicePlatform } from '../../database/schema.js';
import { NotificationsRepository } from './notifications.repository.js';

/** Push devices, at most MAX_DEVICES_PER_USER per user (the same token again is the same device). */
@Injectable()
export class DevicesService {
  constructor(
    @InjectDb() private readonly db: Kysely<DB>,
    private readonly repository: NotificationsRepository,
    private readonly config: AppConfig,
  ) {}

  register(userId: string, platform: DevicePlatform, token: string) {
    const max = this.config.limits.devicesPerUser;
    return this.db.transaction().execute(async (trx) => {
      if ((await this.repository.countOtherDevices(trx, userId, token)) >= max) {
        throw new ProblemException(
          409,
          ErrorCode.DeviceLimitReached,
          `At most ${max} devices may be registered; unregister one first`,
          { limit: max },
        );
      }
      return this.repository.upsertDevice(userId, platform, token, trx);
    });
  }

  /** Unregisters one of the user's devices; false when it has none with this id. */
  unregister(userId: string, id: string): Promise<boolean> {
    return this.repository.deleteDevice(id, userId);
  }
}
