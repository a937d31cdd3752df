import { Injectable, Logger } from '@nestjs/common';
import type { Kysely, Transaction } from 'kysely';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { notFound } from '../../common/errors/problem.exception.js';
import { decodeCursor, page } from '../../common/http/cursor.js';
import { AppConfig } from '../../config/app-config.js';
import { InjectDb } from '../../database/database.tokens.js';
import type { DB } from '../../database/schema.js';
import { JobName } from '../../jobs/job-names.js';
import { JobsService } from '../../jobs/jobs.service.js';
import { ConnectionStoreRepository } from '../connection-store/connection-store.repository.js';
import { OrchestrationService } from '../orchestration/orchestration.service.js';
import { ArchiveSessionsRepository } from '../providers/archive/archive-sessions.repository.js';
import { ArchiveStorage } from './archive-storage.js';
import { ArchivesRepository, type ArchiveRow } from './archives.repository.js';
import type { ArchiveDto, ArchiveListDto, ListArchivesQueryDto } from './dto/archive.dto.js';

const DAY_MS = 86_400_000;

export function toArchiveDto(a: ArchiveRow, uploadedBytes = a.uploaded_bytes): ArchiveDto {
  return {
    id: a.id,
    filename: a.filename,
    status: a.status,
    sizeBytes: a.size_bytes,
    uploadedBytes,
    format: a.format,
    sessionsFound: a.sessions_found,
    firstDate: a.first_date,
    lastDate: a.last_date,
    problems: a.problems.map((p) => ({ entry: p.entry, code: p.code, message: p.message })),
    createdAt: a.created_at.toISOString(),
    expiresAt: a.due_at.toISOString(),
  };
}

/**
 * Export archives (issue 27): created by a tus upload, scanned once (archive.scan), read by the
 * connections whose source they are, deleted on request, with the connection that reads them, or
 * after their retention (ARCHIVE_RETENTION_DAYS after the last sync over them ended).
 */
@Injectable()
export class ArchivesService {
  private readonly logger = new Logger(ArchivesService.name);

  constructor(
    @InjectDb() private readonly db: Kysely<DB>,
    private readonly archives: ArchivesRepository,
    private readonly sessions: ArchiveSessionsRepository,
    private readonly storage: ArchiveStorage,
    private readonly jobs: JobsService,
    private readonly connections: ConnectionStoreRepository,
    private readonly orchestrations: OrchestrationService,
    private readonly config: AppConfig,
  ) {}

  private get retentionDays(): number {
    return this.config.archives.retentionDays;
  }

  /** A tus upload was created: its archive, UPLOADING. */
  async created(user: AuthUser, id: string, filename: string, sizeBytes: number): Promise<void> {
    const expiresAt = new Date(Date.now() + this.retentionDays * DAY_MS);
    await this.archives.create({ id, userId: user.userId, filename, sizeBytes, expiresAt });
  }

  /** The upload's last byte arrived: SCANNING, and its scan job, in one transaction (once). */
  async uploaded(id: string, sizeBytes: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (await this.archives.markUploaded(trx, id, sizeBytes))
        await this.jobs.send(JobName.ArchiveScan, { archiveId: id }, { singletonKey: id }, trx);
    });
  }

  /** 404 unless the archive is the caller's and not deleted. */
  async owned(user: AuthUser, id: string): Promise<ArchiveRow> {
    const archive = await this.archives.findForUser(id, user.userId, this.retentionDays);
    if (!archive) throw notFound('Archive');
    return archive;
  }

  async get(user: AuthUser, id: string): Promise<ArchiveDto> {
    const archive = await this.owned(user, id);
    if (archive.status !== 'UPLOADING') return toArchiveDto(archive);
    // while it uploads, the bytes stored so far are the store's
    const uploaded = await this.settleUpload(archive);
    return uploaded === null ? toArchiveDto(await this.owned(user, id)) : toArchiveDto(archive, uploaded);
  }

  /**
   * An upload whose last byte is stored but whose archive is still UPLOADING (the database failed
   * as the upload finished: tus answered 500, the client's HEAD then sees it complete) is made
   * SCANNING now. Answers null when it was, else the bytes stored so far.
   */
  async settleUpload(archive: ArchiveRow): Promise<number | null> {
    if (archive.status !== 'UPLOADING') return archive.uploaded_bytes;
    const stored = await this.storage.offset(archive.id);
    if (stored < archive.size_bytes || archive.size_bytes === 0) return stored;
    await this.uploaded(archive.id, stored);
    return null;
  }

  async list(user: AuthUser, query: ListArchivesQueryDto): Promise<ArchiveListDto> {
    const limit = query.limit ?? 20;
    const rows = await this.archives.listForUser(
      user.userId,
      this.retentionDays,
      limit + 1,
      decodeCursor(query.cursor),
    );
    return page(rows, limit, (a) => toArchiveDto(a));
  }

  /**
   * Deletes the archive now: its index, the connections reading it (their running syncs cancelled)
   * in one transaction, then its stored file.
   */
  async delete(user: AuthUser, id: string): Promise<void> {
    await this.owned(user, id);
    await this.deleteArchive(id);
  }

  /** Deletes an archive and whatever reads it (the retention sweep, a request). */
  async deleteArchive(id: string): Promise<void> {
    let cancelled = 0;
    const deleted = await this.db.transaction().execute(async (trx) => {
      if (!(await this.archives.markDeleted(trx, id))) return false;
      for (const connectionId of await this.archives.connectionsReading(id, trx)) {
        cancelled += await this.orchestrations.cancelForConnection(trx, connectionId);
        await this.connections.markDeleted(connectionId, trx);
      }
      await this.sessions.clear(id, trx);
      return true;
    });
    this.orchestrations.countCancelledChunks(cancelled);
    if (deleted) this.logger.log(`deleted archive ${id}`);
    await this.storage.remove(id);
  }

  /**
   * Inside a connection's deletion (after it is marked deleted): the archive it read goes with it
   * unless another connection reads it; its id then, for {@link removeFile} once the transaction commits.
   */
  async deleteWithConnection(trx: Transaction<DB>, archiveId: string): Promise<string | undefined> {
    if ((await this.archives.connectionsReading(archiveId, trx)).length > 0) return undefined;
    if (!(await this.archives.markDeleted(trx, archiveId))) return undefined;
    await this.sessions.clear(archiveId, trx);
    return archiveId;
  }

  removeFile(archiveId: string): Promise<void> {
    return this.storage.remove(archiveId);
  }

  /** The caller's archive a new connection may read: READY and not deleted, else undefined. */
  async readyForConnection(user: AuthUser, id: string): Promise<ArchiveRow | undefined> {
    const archive = await this.archives.findForUser(id, user.userId, this.retentionDays);
    return archive?.status === 'READY' ? archive : undefined;
  }
}
