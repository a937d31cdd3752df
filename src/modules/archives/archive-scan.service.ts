import { Injectable, Logger } from '@nestjs/common';
import { gzipSync } from 'node:zlib';
import { AppConfig } from '../../config/app-config.js';
import { civilDateTime } from '../../common/time-zone.js';
import type { ArchiveProblemRow } from '../../database/schema.js';
import { ArchiveSessionsRepository } from '../providers/archive/archive-sessions.repository.js';
import { scanArchive, type ScannedRecord } from '../providers/archive/scan-archive.js';
import { ArchiveProblem, DEFAULT_ARCHIVE_LIMITS } from '../providers/archive/zip-walk.js';
import { ArchiveStorage } from './archive-storage.js';
import { ArchivesRepository } from './archives.repository.js';

/** The archive resource lists this many problems (the contract's "first 100"). */
export const MAX_LISTED_PROBLEMS = 100;
/** A batch of the index is written at this many workouts or this many gzipped bytes, whichever first. */
const BATCH = 100;
const BATCH_BYTES = 4 * 2 ** 20;

/**
 * The one scan of an uploaded archive (archive.scan): tells its format from its content, indexes
 * every workout (archive_sessions, gzipped, in batches, so memory holds one batch), counts them on
 * the archive as it goes, then makes it READY with its format, date span and the first problems, or
 * FAILED with the problem that makes it unreadable as a whole (not a ZIP, a ZIP bomb, a path leaving
 * the archive, encrypted, nothing known in it). A scan that dies starts over (its index is cleared).
 * Logs name archives by id only: nothing of their content.
 */
@Injectable()
export class ArchiveScanService {
  private readonly logger = new Logger(ArchiveScanService.name);

  constructor(
    private readonly archives: ArchivesRepository,
    private readonly sessions: ArchiveSessionsRepository,
    private readonly storage: ArchiveStorage,
    private readonly config: AppConfig,
  ) {}

  async scan(archiveId: string): Promise<void> {
    const archive = await this.archives.startScan(archiveId);
    if (!archive) return; // deleted, or scanned already
    await this.sessions.clear(archiveId);
    const started = Date.now();
    const limits = {
      ...DEFAULT_ARCHIVE_LIMITS,
      maxTotalBytes: this.config.archives.maxUncompressedBytes,
      maxRatio: this.config.archives.maxRatio,
    };
    const problems: ArchiveProblemRow[] = [];
    const span: { first: string | null; last: string | null } = { first: null, last: null };
    let batch: Parameters<ArchiveSessionsRepository['insert']>[1] = [];
    let found = 0;
    let batchBytes = 0;
    const flush = async () => {
      found += await this.sessions.insert(archiveId, batch);
      batch = [];
      batchBytes = 0;
      await this.archives.scanProgress(archiveId, found);
    };
    const onRecord = async (record: ScannedRecord) => {
      if ('invalid' in record) {
        problems.push({ entry: record.entry, code: 'INVALID_RECORD', message: record.invalid });
        batch.push({
          recordId: record.id,
          entry: record.entry,
          start: null,
          localDate: null,
          session: null,
          invalid: record.invalid,
        });
      } else {
        const { session } = record;
        const day = civilDateTime(new Date(session.start), session.startUtcOffsetSeconds).slice(0, 10);
        if (!span.first || day < span.first) span.first = day;
        if (!span.last || day > span.last) span.last = day;
        batch.push({
          recordId: record.id,
          entry: record.entry,
          start: new Date(session.start),
          localDate: day,
          session: gzipSync(JSON.stringify(session)),
          invalid: null,
        });
      }
      batchBytes += batch.at(-1)!.session?.length ?? 0;
      if (batch.length >= BATCH || batchBytes >= BATCH_BYTES) await flush();
    };
    try {
      const result = await this.storage.withLocalFile(archiveId, (path) =>
        scanArchive(path, onRecord, limits),
      );
      await flush();
      const listed = [...result.problems, ...problems].slice(0, MAX_LISTED_PROBLEMS);
      await this.archives.finishScan(archiveId, {
        status: 'READY',
        format: result.format,
        sessionsFound: found,
        firstDate: span.first,
        lastDate: span.last,
        problems: listed,
      });
      this.logger.log(
        `archive ${archiveId} scanned: ${result.format}, ${found} sessions in ${Date.now() - started} ms`,
      );
    } catch (error) {
      if (!(error instanceof ArchiveProblem)) throw error; // a fault of ours or the storage's: tried again
      await this.sessions.clear(archiveId);
      await this.archives.finishScan(archiveId, {
        status: 'FAILED',
        problems: [{ entry: error.entry, code: error.code, message: error.message }],
      });
      this.logger.warn(`archive ${archiveId} failed its scan: ${error.code}`);
    }
  }
}
