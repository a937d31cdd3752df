import { Module } from '@nestjs/common';
import { SYNC_CONNECTOR } from '../chunks/sync-connector.js';
import { ConnectionStoreModule } from '../connections/connection-store.module.js';
import { ProviderSyncConnector } from './provider-sync.connector.js';

@Module({
  imports: [ConnectionStoreModule],
  providers: [ProviderSyncConnector, { provide: SYNC_CONNECTOR, useExisting: ProviderSyncConnector }],
  exports: [SYNC_CONNECTOR],
})
export class ProvidersModule {}
