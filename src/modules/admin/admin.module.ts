import { Module } from '@nestjs/common';
import { OrchestrationModule } from '../orchestration/orchestration.module.js';
import { AdminRepository } from './admin.repository.js';
import { AdminService } from './admin.service.js';

@Module({
  imports: [OrchestrationModule],
  providers: [AdminRepository, AdminService],
  exports: [AdminService],
})
export class AdminModule {}
