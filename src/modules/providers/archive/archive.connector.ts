import { Injectable } from '@nestjs/common';
import { gunzipSync } from 'node:zlib';
import { FatalSyncError } from '../../chunks/chunk-errors.js';
import type { CanonicalSession, SourceRecord } from '../canonical/canonical-session.js';
import type { ActivityFacts } from '../dedup/duplicate-matcher.js';
import type {
  AccountRef,
  AuthorizedAccount,
  PendingWrite,
  ProviderConnector,
  ReadPage,
  ReadRange,
  WriteResult,
} from '../provider-connector.js';
import {
  ArchiveSessionsRepository,
  type ArchiveSessionCursor,
  type ArchiveWindow,
} from './archive-sessions.repository.js';
import type { FileSession } from './activity-file.js';

/**
 * Records a page: a workout with a 1 Hz track is ~1 MB of objects once decoded, and a worker runs
 * several chunks at once, so pages stay small (the index is local: a page costs one query).
 */
const PAGE_SIZE = 10;

/**
 * An uploaded export archive as a source. The connection's source account is the archive (its
 * `externalUserId` is the archive id); the scan indexed its workouts (archive_sessions), and a
 * chunk reads the ones of its dates from there, 25 a page, with no provider request.
 * A workout belongs to the chunk of its date on the athlete's clock (as the archive recorded it),
 * whatever the connection's zone; an ALL_TIME sync spans the archive's first date to its last.
 * Workouts the scan could not date (an unreadable file) come with the chunk holding the first day,
 * as `invalid` records: the import report lists them SKIPPED_INVALID with their reason.
 */
@Injectable()
export class ArchiveConnector implements ProviderConnector {
  readonly provider = 'archive' as const;
  readonly supportsPkce = false;

  constructor(private readonly sessions: ArchiveSessionsRepository) {}

  authorizeUrl(): string {
    throw new Error('an archive is uploaded (POST /v1/archives/uploads), not authorized');
  }

  exchangeCode(): Promise<AuthorizedAccount> {
    return Promise.reject(new Error('an archive is uploaded (POST /v1/archives/uploads), not authorized'));
  }

  async firstDataDate(account: AccountRef): Promise<string | null> {
    return (await this.span(account)).first;
  }

  /** The archive's last workout date (ALL_TIME ends there, or today). */
  async lastDataDate(account: AccountRef): Promise<string | null> {
    return (await this.span(account)).last;
  }

  async countRecords(account: AccountRef, range: ReadRange): Promise<number> {
    return this.sessions.count(account.externalUserId, await this.window(account, range));
  }

  async readPage(account: AccountRef, range: ReadRange, cursor: unknown): Promise<ReadPage> {
    const window = await this.window(account, range);
    const rows = await this.sessions.page(
      account.externalUserId,
      window,
      (cursor as ArchiveSessionCursor | null) ?? null,
      PAGE_SIZE,
    );
    const records: SourceRecord[] = rows.map((row) => {
      if (!row.session) return { id: row.record_id, invalid: row.invalid ?? 'not a workout' };
      const session = JSON.parse(gunzipSync(row.session).toString('utf8')) as FileSession;
      return {
        id: row.record_id,
        session: { source: { provider: 'archive', id: row.record_id }, ...session } as CanonicalSession,
      };
    });
    const last = rows.at(-1);
    return {
      records,
      next:
        rows.length === PAGE_SIZE && last
          ? ({
              start: last.start_time?.toISOString() ?? null,
              id: last.record_id,
            } satisfies ArchiveSessionCursor)
          : null,
    };
  }

  write(): Promise<WriteResult | PendingWrite> {
    return Promise.reject(new Error('an archive is a source only'));
  }

  listActivities(): Promise<ActivityFacts[]> {
    return Promise.reject(new Error('an archive is a source only'));
  }

  /** The range's dates; the undated records go with the chunk of the archive's first day. */
  private async window(account: AccountRef, range: ReadRange): Promise<ArchiveWindow> {
    const { first } = await this.span(account);
    return {
      startDate: range.startDate,
      endDate: range.endDate,
      undated: first !== null && range.startDate <= first && first <= range.endDate,
    };
  }

  private async span(account: AccountRef) {
    const span = await this.sessions.span(account.externalUserId);
    if (!span)
      throw new FatalSyncError(
        'ARCHIVE_DELETED',
        'The export archive this connection reads was deleted; upload it again and connect it anew',
      );
    return span;
  }
}
