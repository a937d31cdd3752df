import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../../config/app-config.js';
import { ArchivesRepository } from './archives.repository.js';
import { ArchivesService } from './archives.service.js';

/**
 * Health data is kept no longer than it serves (issue 27, privacy): in the worker role, one replica
 * at a time, archives past their retention (ARCHIVE_RETENTION_DAYS after the last sync over them
 * ended, or after upload; never while a sync over them runs) are deleted with what reads them, and
 * the files of archives deleted in the last day are removed again (a crash between the row and the
 * file leaves none behind).
 */
@Injectable()
export class ArchiveRetentionService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ArchiveRetentionService.name);

  constructor(
    private readonly archives: ArchivesRepository,
    private readonly service: ArchivesService,
    private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.role.worker) return;
    const interval = setInterval(
      () =>
        void this.sweepOnce().catch((e: unknown) => this.logger.error(`archive sweep failed: ${String(e)}`)),
      Math.max(60, this.config.sweep.intervalSeconds) * 1000,
    );
    this.scheduler.addInterval('archive-retention', interval);
  }

  /** One pass: the number of archives deleted (undefined when another replica sweeps). */
  async sweepOnce(): Promise<number | undefined> {
    const locked = await this.archives.withRetentionLock(async () => {
      const due = await this.archives.due(this.config.archives.retentionDays, 100);
      for (const id of due) await this.service.deleteArchive(id);
      for (const id of await this.archives.deletedSince(new Date(Date.now() - 86_400_000), 1000))
        await this.service.removeFile(id);
      return due.length;
    });
    return locked.held ? locked.value : undefined;
  }
}
