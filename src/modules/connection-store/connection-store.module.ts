import { Module } from '@nestjs/common';
import { ConnectionsRepository } from './connections.repository.js';

/**
 * Connection rows: the storage the connections API (connect, reauthorize, delete) and orchestration
 * (starting syncs, reauth pauses) share. A room below both, so neither imports the other for it.
 */
@Module({
  providers: [ConnectionsRepository],
  exports: [ConnectionsRepository],
})
export class ConnectionStoreModule {}
