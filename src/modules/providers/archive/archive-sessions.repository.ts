import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { InjectDb } from '../../../database/database.tokens.js';
import type { DB } from '../../../database/schema.js';

/** One workout of an archive's index, as the scan stored it. */
export interface ArchiveSessionRow {
  record_id: string;
  start_time: Date | null;
  session: Buffer | null;
  invalid: string | null;
}

/**
 * Which of an archive's records a chunk reads: those of its civil dates (a workout's date as the
 * athlete's clock had it, so each lies in exactly one chunk whatever the connection's zone), and
 * with `undated`, those the scan could not date.
 */
export interface ArchiveWindow {
  startDate: string;
  endDate: string;
  undated: boolean;
}

/** Where a page of an archive's sessions ends (the next page starts after it). */
export interface ArchiveSessionCursor {
  start: string | null;
  id: string;
}

/**
 * The index an archive's scan builds (archive_sessions) and the span of dates it covers: written by
 * the scan, read by the archive connector a page at a time.
 */
@Injectable()
export class ArchiveSessionsRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  /** The archive's first and last workout dates, while it is READY and not deleted. */
  async span(archiveId: string): Promise<{ first: string | null; last: string | null } | undefined> {
    const row = await this.db
      .selectFrom('archives')
      .select(['first_date', 'last_date'])
      .where('id', '=', archiveId)
      .where('status', '=', 'READY')
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row && { first: row.first_date, last: row.last_date };
  }

  /** How many of the archive's records {@link page} reads over the window (all pages). */
  async count(archiveId: string, window: ArchiveWindow): Promise<number> {
    const row = await this.inWindow(archiveId, window)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * One page of the archive's workouts that start in [from, to), in start then id order, after
   * `cursor`; with `undated`, the workouts without a start (unreadable entries) come first.
   */
  async page(
    archiveId: string,
    window: ArchiveWindow,
    cursor: ArchiveSessionCursor | null,
    limit: number,
  ): Promise<ArchiveSessionRow[]> {
    let query = this.inWindow(archiveId, window).select(['record_id', 'start_time', 'session', 'invalid']);
    if (cursor) {
      const start = cursor.start === null ? null : new Date(cursor.start);
      query =
        start === null
          ? query.where((eb) =>
              eb.or([
                eb('start_time', 'is not', null),
                eb.and([eb('start_time', 'is', null), eb('record_id', '>', cursor.id)]),
              ]),
            )
          : query.where(sql<boolean>`(start_time, record_id) > (${start}, ${cursor.id})`);
    }
    return query
      .orderBy(sql`start_time asc nulls first`)
      .orderBy('record_id')
      .limit(limit)
      .execute();
  }

  private inWindow(archiveId: string, window: ArchiveWindow) {
    return this.db
      .selectFrom('archive_sessions')
      .where('archive_id', '=', archiveId)
      .where((eb) => {
        const dated = eb.and([
          eb('local_date', '>=', window.startDate),
          eb('local_date', '<=', window.endDate),
        ]);
        return window.undated ? eb.or([eb('start_time', 'is', null), dated]) : dated;
      });
  }

  /**
   * Adds a batch of the scan's workouts; one already indexed (the same file twice) is kept once.
   * Answers how many workouts (records with a session) were new.
   */
  async insert(
    archiveId: string,
    rows: Array<{
      recordId: string;
      entry: string;
      start: Date | null;
      localDate: string | null;
      session: Buffer | null;
      invalid: string | null;
    }>,
  ): Promise<number> {
    if (rows.length === 0) return 0;
    const result = await this.db
      .insertInto('archive_sessions')
      .values(
        rows.map((r) => ({
          archive_id: archiveId,
          record_id: r.recordId,
          entry: r.entry,
          start_time: r.start,
          local_date: r.localDate,
          session: r.session,
          invalid: r.invalid,
        })),
      )
      .onConflict((oc) => oc.columns(['archive_id', 'record_id']).doNothing())
      .returning('invalid')
      .execute();
    return result.filter((r) => r.invalid === null).length;
  }

  /** Forgets an archive's index (a scan starting over, or the archive deleted). */
  async clear(archiveId: string, executor: Kysely<DB> = this.db): Promise<void> {
    await executor.deleteFrom('archive_sessions').where('archive_id', '=', archiveId).execute();
  }
}
