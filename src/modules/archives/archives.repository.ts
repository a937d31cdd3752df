import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { withSessionLock } from '../../database/advisory-lock.repository.js';
import { InjectDb } from '../../database/database.tokens.js';
import type { Archive, ArchiveFormatName, ArchiveProblemRow, DB } from '../../database/schema.js';

/** An archive with the time it is deleted at (its retention, pushed out by the syncs over it). */
export type ArchiveRow = Archive & { due_at: Date };

const TERMINAL = ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED'] as const;

/** Uploaded export archives (archives): their upload, scan, retention and deletion. */
@Injectable()
export class ArchivesRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  async create(
    values: { id: string; userId: string; filename: string; sizeBytes: number; expiresAt: Date },
    executor: Kysely<DB> = this.db,
  ): Promise<void> {
    await executor
      .insertInto('archives')
      .values({
        id: values.id,
        user_id: values.userId,
        filename: values.filename,
        status: 'UPLOADING',
        size_bytes: values.sizeBytes,
        expires_at: values.expiresAt,
      })
      .execute();
  }

  /** The caller's archive (not deleted), with when it is due for deletion. */
  findForUser(id: string, userId: string, retentionDays: number): Promise<ArchiveRow | undefined> {
    return this.withDue(retentionDays)
      .where('a.id', '=', id)
      .where('a.user_id', '=', userId)
      .executeTakeFirst();
  }

  /** Newest first; `afterId` is the last id of the previous page. */
  listForUser(userId: string, retentionDays: number, limit: number, afterId?: string): Promise<ArchiveRow[]> {
    let query = this.withDue(retentionDays).where('a.user_id', '=', userId);
    if (afterId)
      query = query.where(
        sql<boolean>`(a.created_at, a.id) < (SELECT created_at, id FROM archives WHERE id = ${afterId})`,
      );
    return query.orderBy('a.created_at', 'desc').orderBy('a.id', 'desc').limit(limit).execute();
  }

  /** The upload is complete: SCANNING from UPLOADING (once: false when it was not UPLOADING). */
  async markUploaded(executor: Kysely<DB>, id: string, bytes: number): Promise<boolean> {
    const result = await executor
      .updateTable('archives')
      .set({ status: 'SCANNING', uploaded_bytes: bytes, updated_at: new Date() })
      .where('id', '=', id)
      .where('status', '=', 'UPLOADING')
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** A scan starting (again): its counts start from zero. */
  async startScan(id: string): Promise<Archive | undefined> {
    return this.db
      .updateTable('archives')
      .set({ sessions_found: 0, problems: '[]', updated_at: new Date() })
      .where('id', '=', id)
      .where('status', '=', 'SCANNING')
      .where('deleted_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  }

  async scanProgress(id: string, sessionsFound: number): Promise<void> {
    await this.db
      .updateTable('archives')
      .set({ sessions_found: sessionsFound, updated_at: new Date() })
      .where('id', '=', id)
      .where('status', '=', 'SCANNING')
      .execute();
  }

  /** The scan's outcome: READY with what it found, or FAILED with the problem that stopped it. */
  async finishScan(
    id: string,
    outcome:
      | {
          status: 'READY';
          format: ArchiveFormatName;
          sessionsFound: number;
          firstDate: string | null;
          lastDate: string | null;
          problems: ArchiveProblemRow[];
        }
      | { status: 'FAILED'; problems: ArchiveProblemRow[] },
  ): Promise<boolean> {
    const values =
      outcome.status === 'READY'
        ? {
            status: 'READY' as const,
            format: outcome.format,
            sessions_found: outcome.sessionsFound,
            first_date: outcome.firstDate,
            last_date: outcome.lastDate,
          }
        : { status: 'FAILED' as const };
    const result = await this.db
      .updateTable('archives')
      .set({ ...values, problems: JSON.stringify(outcome.problems), updated_at: new Date() })
      .where('id', '=', id)
      .where('status', '=', 'SCANNING')
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Marks it deleted (its file and index are removed with it); false when it already was. */
  async markDeleted(executor: Kysely<DB>, id: string): Promise<boolean> {
    const result = await executor
      .updateTable('archives')
      .set({ deleted_at: new Date(), updated_at: new Date() })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** The live connections whose source is this archive. */
  async connectionsReading(archiveId: string, executor: Kysely<DB> = this.db): Promise<string[]> {
    const rows = await executor
      .selectFrom('connections as c')
      .innerJoin('provider_accounts as p', 'p.id', 'c.source_account_id')
      .select('c.id')
      .where('p.provider', '=', 'archive')
      .where('p.external_user_id', '=', archiveId)
      .where('c.status', '=', 'ACTIVE')
      .execute();
    return rows.map((r) => r.id);
  }

  /** Archives past their retention with no sync over them running: the retention sweep deletes them. */
  async due(retentionDays: number, limit: number): Promise<string[]> {
    // due_at computed once per archive (the subquery), then compared
    const rows = await this.db
      .selectFrom(this.withDue(retentionDays).as('d'))
      .select('d.id')
      .where('d.due_at', '<', sql<Date>`now()`)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('orchestrations as o')
              .innerJoin('connections as c', 'c.id', 'o.connection_id')
              .innerJoin('provider_accounts as p', 'p.id', 'c.source_account_id')
              .select(sql`1`.as('one'))
              .where('p.provider', '=', 'archive')
              .where(sql<boolean>`p.external_user_id = d.id::text`)
              .where('o.status', 'not in', [...TERMINAL]),
          ),
        ),
      )
      .orderBy('d.due_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Runs `fn` holding the retention sweep's lock (one replica at a time); `held: false` otherwise. */
  withRetentionLock<T>(fn: () => Promise<T>): Promise<{ held: true; value: T } | { held: false }> {
    return withSessionLock(this.db, 'archive-retention', () => fn());
  }

  /** Deleted archives whose stored file may remain (a crash between the two): ids only. */
  async deletedSince(since: Date, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('archives')
      .select('id')
      .where('deleted_at', '>=', since)
      .orderBy('deleted_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Archives (not deleted) with `due_at`: the later of `expires_at` (the upload's) and the end of the
   * last sync over it plus the retention.
   */
  private withDue(retentionDays: number) {
    return this.db
      .selectFrom('archives as a')
      .selectAll('a')
      .select(this.dueAt(retentionDays).as('due_at'))
      .where('a.deleted_at', 'is', null);
  }

  private dueAt(retentionDays: number) {
    const ended = this.db
      .selectFrom('orchestrations as o')
      .innerJoin('connections as c', 'c.id', 'o.connection_id')
      .innerJoin('provider_accounts as p', 'p.id', 'c.source_account_id')
      .select(sql<Date | null>`max(coalesce(o.completed_at, o.updated_at))`.as('at'))
      .where('p.provider', '=', 'archive')
      .where(sql<boolean>`p.external_user_id = a.id::text`)
      .where('o.status', 'in', [...TERMINAL]);
    return sql<Date>`greatest(a.expires_at, (${ended}) + make_interval(days => ${retentionDays}))`;
  }
}
