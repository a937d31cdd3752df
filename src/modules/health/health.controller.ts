import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { sql, type Kysely } from 'kysely';
import { Public } from '../../common/auth/public.decorator.js';
import { InjectDb } from '../../database/database.tokens.js';
import type { DB } from '../../database/schema.js';
import { JobsService } from '../../jobs/jobs.service.js';

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @InjectDb() private readonly db: Kysely<DB>,
    private readonly jobs: JobsService,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is up' })
  @ApiOkResponse({ description: 'Alive', schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: the database and the job queue are reachable' })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down (problem+json with `checks`)' })
  ready() {
    return this.health.check([
      () =>
        this.indicators
          .check('database')
          .attempt(async () => void (await sql`SELECT 1`.execute(this.db)))
          .withTimeout(3000),
      () =>
        this.indicators
          .check('queue')
          .attempt(async () => {
            if (!this.jobs.isRunning()) throw new Error('pg-boss is not running');
            await this.jobs.raw.getDb().executeSql('SELECT 1');
          })
          .withTimeout(3000),
    ]);
  }
}
