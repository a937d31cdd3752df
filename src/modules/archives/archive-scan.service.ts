import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import type { ArchiveProblemRow } from '../../database/schema.js';
import { ArchiveSessionsRepository } from '../providers/archive/archive-sessions.repository.js';
import { ArchiveProblem, DEFAULT_ARCHIVE_LIMITS } from '../providers/archive/zip-walk.js';
import { scanInChildProcess, type ScanRow } from './archive-scan-process.js';
import { ArchiveStorage } from './archive-storage.js';
import { ArchivesRepository } from './archives.repository.js';

/** The archive resource lists this many problems (the contract's "first 100"). */
export const MAX_LISTED_PROBLEMS = 100;

/**
 * The one scan of an uploaded archive (archive.scan): tells its format from its content, indexes
 * every workout (archive_sessions, gzipped, in batches, so memory holds one batch; the parsing runs
 * in a child process of its own, archive-scan-process.ts), counts them on
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
    let found = 0;
    const onBatch = async (rows: ScanRow[]) => {
      for (const row of rows) {
        if (row.invalid !== null && problems.length < MAX_LISTED_PROBLEMS)
          problems.push({ entry: row.entry, code: 'INVALID_RECORD', message: row.invalid });
        const day = row.localDate;
        if (day && (!span.first || day < span.first)) span.first = day;
        if (day && (!span.last || day > span.last)) span.last = day;
      }
      found += await this.sessions.insert(
        archiveId,
        rows.map((r) => ({ ...r, start: r.start === null ? null : new Date(r.start) })),
      );
      await this.archives.scanProgress(archiveId, found);
    };
    try {
      const result = await this.storage.withLocalFile(archiveId, (path) =>
        scanInChildProcess(path, limits, onBatch),
      );
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
