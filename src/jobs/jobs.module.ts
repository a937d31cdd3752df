import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JobsRepository } from './jobs.repository.js';
import { JobsService } from './jobs.service.js';
import { QueueDepthMetrics } from './queue-depth.metrics.js';

@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [JobsService, JobsRepository, QueueDepthMetrics],
  exports: [JobsService, JobsRepository],
})
export class JobsModule {}
