import { Module } from '@nestjs/common';
import { ConnectionsRepository } from './connections.repository.js';
import { ProviderAccountsRepository } from './provider-accounts.repository.js';

/** Connection rows and provider accounts: the storage the engine and the connectors share. */
@Module({
  providers: [ConnectionsRepository, ProviderAccountsRepository],
  exports: [ConnectionsRepository, ProviderAccountsRepository],
})
export class ConnectionStoreModule {}
