import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { ConnectionStoreModule } from '../connection-store/connection-store.module.js';
import { EntitlementsModule } from '../entitlements/entitlements.module.js';
import { OrchestrationModule } from '../orchestration/orchestration.module.js';
import { ProvidersModule } from '../providers/providers.module.js';
import { ArchiveRetentionService } from './archive-retention.service.js';
import { ArchiveScanService } from './archive-scan.service.js';
import { ArchiveScanWorker } from './archive-scan.worker.js';
import { ArchiveStorage } from './archive-storage.js';
import { ArchiveUploadServer } from './archive-upload.server.js';
import { ArchivesRepository } from './archives.repository.js';
import { ArchivesService } from './archives.service.js';

/**
 * Export archives as a source (issue 27): tus uploads, the archive resource, the one scan of each
 * (archive.scan), retention. The connector that reads a scanned archive is the `archive` provider
 * (providers/archive/).
 */
@Module({
  imports: [ConnectionStoreModule, EntitlementsModule, OrchestrationModule, ProvidersModule],
  providers: [
    ArchivesRepository,
    ArchivesService,
    {
      provide: ArchiveStorage,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ArchiveStorage.create(config),
    },
    ArchiveUploadServer,
    ArchiveScanService,
    ArchiveScanWorker,
    ArchiveRetentionService,
  ],
  exports: [ArchivesService, ArchiveUploadServer, ArchiveRetentionService],
})
export class ArchivesModule {}
