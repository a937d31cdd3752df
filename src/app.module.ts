import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { ApiModule } from './api.module.js';
import { AuthModule } from './common/auth/auth.module.js';
import { ProblemFilter } from './common/errors/problem.filter.js';
import { LoggingModule } from './common/http/logging.module.js';
import { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { ArchivesModule } from './modules/archives/archives.module.js';
import { HealthModule } from './modules/health/health.module.js';
import { MetricsModule } from './modules/metrics/metrics.module.js';
import { OrchestrationModule } from './modules/orchestration/orchestration.module.js';

/**
 * The whole service. One image, three roles: `api` serves the HTTP API, `worker` runs the job
 * handlers and sweeps (and serves only health and metrics), `all` does both.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        DatabaseModule,
        JobsModule,
        ScheduleModule.forRoot(),
        MetricsModule,
        HealthModule,
        AuthModule,
        OrchestrationModule,
        ArchivesModule,
        ...(config.role.api ? [ApiModule] : []),
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
    };
  }
}
