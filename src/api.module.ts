import { Module } from '@nestjs/common';
import { RateLimitModule } from './common/rate-limit/rate-limit.module.js';
import { AdminController } from './modules/admin/admin.controller.js';
import { ArchiveUploadsController } from './modules/archives/archive-uploads.controller.js';
import { ArchivesController } from './modules/archives/archives.controller.js';
import { ArchivesModule } from './modules/archives/archives.module.js';
import { AdminModule } from './modules/admin/admin.module.js';
import { AuditLogModule } from './modules/audit/audit-log.module.js';
import { AnalyticsController } from './modules/analytics/analytics.controller.js';
import { ConnectionsController } from './modules/connections/connections.controller.js';
import { ConnectionsModule } from './modules/connections/connections.module.js';
import { EntitlementsController } from './modules/entitlements/entitlements.controller.js';
import { EntitlementsModule } from './modules/entitlements/entitlements.module.js';
import { NotificationsController } from './modules/notifications/notifications.controller.js';
import { NotificationsModule } from './modules/notifications/notifications.module.js';
import { HistoricalSyncsController } from './modules/orchestration/historical-syncs.controller.js';
import { OrchestrationModule } from './modules/orchestration/orchestration.module.js';
import { OrchestrationsController } from './modules/orchestration/orchestrations.controller.js';
import { RecordsController } from './modules/orchestration/records.controller.js';

/**
 * The public HTTP API (`/v1`). Imported in the `api` and `all` roles only; the controllers live
 * beside their feature modules, which the worker role loads without them.
 */
@Module({
  imports: [
    AdminModule,
    ArchivesModule,
    AuditLogModule,
    ConnectionsModule,
    EntitlementsModule,
    NotificationsModule,
    OrchestrationModule,
    RateLimitModule,
  ],
  controllers: [
    AdminController,
    AnalyticsController,
    ArchivesController,
    ArchiveUploadsController,
    ConnectionsController,
    EntitlementsController,
    HistoricalSyncsController,
    NotificationsController,
    OrchestrationsController,
    RecordsController,
  ],
})
export class ApiModule {}
