import { Module } from '@nestjs/common';
import { ArchivesModule } from '../archives/archives.module.js';
import { IdempotencyModule } from '../idempotency/idempotency.module.js';
import { OrchestrationModule } from '../orchestration/orchestration.module.js';
import { ProvidersModule } from '../providers/providers.module.js';
import { ConnectionStoreModule } from '../connection-store/connection-store.module.js';
import { ConnectionsService } from './connections.service.js';
import { OAuthStateRepository } from './oauth-state.repository.js';
import { OAuthStateService } from './oauth-state.service.js';

/** The connections API's service: OAuth code exchange, connection rows, the automatic 7-day sync. */
@Module({
  imports: [ArchivesModule, ConnectionStoreModule, IdempotencyModule, OrchestrationModule, ProvidersModule],
  providers: [ConnectionsService, OAuthStateRepository, OAuthStateService],
  exports: [ConnectionsService, OAuthStateService],
})
export class ConnectionsModule {}
