import { Module } from '@nestjs/common';
import { ChunkQueue } from './chunk-queue.js';
import { ChunkRepairRepository } from './chunk-repair.repository.js';
import { ChunksRepository } from './chunks.repository.js';
import { FairShareRepository } from './fair-share.repository.js';

/** The chunk rows and their jobs. The engine that runs them lives in the orchestration module. */
@Module({
  providers: [ChunksRepository, ChunkRepairRepository, ChunkQueue, FairShareRepository],
  exports: [ChunksRepository, ChunkRepairRepository, ChunkQueue, FairShareRepository],
})
export class ChunksModule {}
