import { Injectable } from '@nestjs/common';
import type { Connection } from '../../database/schema.js';
import { PermanentChunkError } from '../chunks/chunk-errors.js';
import type { ChunkCounts, ChunkWork, SyncConnector } from '../chunks/sync-connector.js';

@Injectable()
export class ProviderSyncConnector implements SyncConnector {
  async processChunk(_work: ChunkWork): Promise<ChunkCounts> {
    throw new PermanentChunkError('NOT_IMPLEMENTED', 'provider connectors are not available yet');
  }

  async firstDataDate(_connection: Connection): Promise<string | null> {
    return null;
  }
}
