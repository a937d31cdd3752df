import { Module } from '@nestjs/common';
import { ConnectionStoreRepository } from './connection-store.repository.js';

/**
 * Connection rows: the storage the connections API (connect, reauthorize, delete) and orchestration
 * (starting syncs, reauth pauses) share. A room below both, so neither imports the other for it.
 */
@Module({
  providers: [ConnectionStoreRepository],
  exports: [ConnectionStoreRepository],
})
export class ConnectionStoreModule {}
