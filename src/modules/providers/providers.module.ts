import { Module } from '@nestjs/common';
import { CHUNK_PROCESSOR } from '../chunks/chunk-processor.js';
import { ImportReportModule } from '../import-report/import-report.module.js';
import { ProviderAccountsRepository } from './accounts/provider-accounts.repository.js';
import { ArchiveSessionsRepository } from './archive/archive-sessions.repository.js';
import { DestinationSnapshotService } from './dedup/destination-snapshot.service.js';
import { DestinationSnapshotsRepository } from './dedup/destination-snapshots.repository.js';
import { ProviderHealth } from './http/provider-health.js';
import { ProviderMetrics } from './http/provider-metrics.js';
import { SyncLedgerRepository } from './ledger/sync-ledger.repository.js';
import { PROVIDER_DESCRIPTORS } from './provider-descriptors.js';
import { ProviderRegistry } from './provider-registry.js';
import { QuotaRepository } from './quota/quota.repository.js';
import { QuotaService } from './quota/quota.service.js';
import { ProviderChunkProcessor } from './sync/provider-chunk.processor.js';
import { RecordImporter } from './sync/record-importer.js';
import { TokenService } from './tokens/token.service.js';

/** Provider connectors (one folder each), provider accounts and their tokens, quotas and the sync ledger. */
@Module({
  imports: [ImportReportModule],
  providers: [
    ProviderAccountsRepository,
    ArchiveSessionsRepository,
    ...PROVIDER_DESCRIPTORS.map((d) => d.connector),
    ProviderRegistry,
    ProviderMetrics,
    ProviderHealth,
    QuotaRepository,
    QuotaService,
    TokenService,
    SyncLedgerRepository,
    ProviderChunkProcessor,
    RecordImporter,
    DestinationSnapshotsRepository,
    DestinationSnapshotService,
    { provide: CHUNK_PROCESSOR, useExisting: ProviderChunkProcessor },
  ],
  exports: [
    CHUNK_PROCESSOR,
    ArchiveSessionsRepository,
    ProviderAccountsRepository,
    ProviderRegistry,
    TokenService,
    SyncLedgerRepository,
    ProviderMetrics,
  ],
})
export class ProvidersModule {}
