import { Module } from '@nestjs/common';
import { AnalyticsModule } from '../analytics/analytics.module.js';
import { ChunksModule } from '../chunks/chunks.module.js';
import { ConnectionStoreModule } from '../connection-store/connection-store.module.js';
import { EntitlementsModule } from '../entitlements/entitlements.module.js';
import { IdempotencyModule } from '../idempotency/idempotency.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { ProvidersModule } from '../providers/providers.module.js';
import { ImportReportModule } from '../import-report/import-report.module.js';
import { ChunkEngine } from './engine/chunk-engine.service.js';
import { ChunkWorker } from './engine/chunk.worker.js';
import { CompletionService } from './engine/completion.service.js';
import { EngineMetrics } from './engine/engine.metrics.js';
import { SweepLockRepository } from './engine/sweep-lock.repository.js';
import { SweeperService } from './engine/sweeper.service.js';
import { EstimateService } from './estimate.service.js';
import { SyncStartService } from './sync-start.service.js';
import { OwnedConnectionGuard } from './owned-connection.guard.js';
import { OrchestrationCache } from './orchestration-cache.service.js';
import { OrchestrationChangesRepository } from './orchestration-changes.repository.js';
import { OrchestrationRepository } from './orchestration.repository.js';
import { OrchestrationService } from './orchestration.service.js';
import { QueueEtaService } from './queue-eta.service.js';
import { ReauthService } from './reauth.service.js';
import { RecordsService } from './records.service.js';

/** Orchestrations: starting syncs, their state machine, the import report's reads, and the engine that runs their chunks. */
@Module({
  imports: [
    AnalyticsModule,
    ChunksModule,
    ConnectionStoreModule,
    EntitlementsModule,
    IdempotencyModule,
    NotificationsModule,
    ProvidersModule,
    ImportReportModule,
  ],
  providers: [
    OrchestrationRepository,
    OrchestrationChangesRepository,
    OrchestrationCache,
    OrchestrationService,
    SyncStartService,
    OwnedConnectionGuard,
    EstimateService,
    QueueEtaService,
    CompletionService,
    ChunkEngine,
    ChunkWorker,
    SweeperService,
    SweepLockRepository,
    EngineMetrics,
    ReauthService,
    RecordsService,
  ],
  exports: [
    OrchestrationService,
    SyncStartService,
    OwnedConnectionGuard,
    OrchestrationRepository,
    SweeperService,
    ReauthService,
    RecordsService,
  ],
})
export class OrchestrationModule {}
