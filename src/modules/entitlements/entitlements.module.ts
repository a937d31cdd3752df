import { Module } from '@nestjs/common';
import { AnalyticsModule } from '../analytics/analytics.module.js';
import { AuditLogModule } from '../audit/audit-log.module.js';
import { EntitlementsRepository } from './entitlements.repository.js';
import { EntitlementsService } from './entitlements.service.js';
import { RequiresProGuard } from './requires-pro.guard.js';

@Module({
  imports: [AnalyticsModule, AuditLogModule],
  providers: [EntitlementsRepository, EntitlementsService, RequiresProGuard],
  exports: [EntitlementsService, RequiresProGuard],
})
export class EntitlementsModule {}
