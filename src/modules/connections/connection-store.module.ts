import { Module } from '@nestjs/common';
import { ConnectionsRepository } from './connections.repository.js';

/** Connection rows and provider accounts: the storage the engine and the connectors share. */
@Module({
  providers: [ConnectionsRepository],
  exports: [ConnectionsRepository],
})
export class ConnectionStoreModule {}
