import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { InjectDb } from '../../database/database.tokens.js';
import type { DB } from '../../database/schema.js';
import type { Executor } from '../../database/transaction.js';

export interface AuditEntry {
  adminId: string;
  action: string;
  target?: string | null;
  details?: Record<string, unknown>;
  requestId?: string | null;
}

/** The admin audit log (migration 0005): who did which privileged action, with what. */
@Injectable()
export class AuditLogRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  /** Writes an entry; pass the action's transaction so the entry commits (or not) with it. */
  async write(entry: AuditEntry, executor: Executor = this.db): Promise<void> {
    await executor
      .insertInto('admin_audit_log')
      .values({
        admin_id: entry.adminId,
        action: entry.action,
        target: entry.target ?? null,
        details: JSON.stringify(entry.details ?? {}),
        request_id: entry.requestId ?? null,
      })
      .execute();
  }
}
