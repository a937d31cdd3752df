import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { DB, Orchestration } from '../../database/schema.js';

@Injectable()
export class NotificationsService {
  async onSyncCompleted(_trx: Kysely<DB>, _o: Orchestration): Promise<void> {}
}
