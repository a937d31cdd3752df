import { Controller, Get } from '@nestjs/common';
import { HealthCheck, type HealthCheckResult } from '@nestjs/terminus';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../../common/auth/public.decorator.js';
import { ApiDoc } from '../../common/http/api-problems.decorator.js';
import { HealthService } from './health.service.js';

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('live')
  @ApiDoc({
    summary: 'Liveness: the process is up',
    description:
      'Public. Answers as long as the process runs, whatever its dependencies: an orchestrator restarts the ' +
      'container when it stops answering.',
  })
  @ApiOkResponse({ description: 'Alive', schema: { type: 'object', example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiDoc({
    summary: 'Readiness: the database and the job queue are reachable',
    description:
      'Public. A load balancer sends traffic to this replica only while it answers 200: PostgreSQL answers ' +
      'a query and pg-boss is running, each within 3 s.',
    errors: { SERVICE_UNAVAILABLE: 'PostgreSQL or the job queue did not answer; `checks` says which' },
  })
  @ApiOkResponse({
    description: 'Ready',
    schema: {
      type: 'object',
      example: {
        status: 'ok',
        info: { database: { status: 'up' }, queue: { status: 'up' } },
        error: {},
        details: { database: { status: 'up' }, queue: { status: 'up' } },
      },
    },
  })
  @HealthCheck({ noCache: true, swaggerDocumentation: false }) // documented above, as problem+json
  ready(): Promise<HealthCheckResult> {
    return this.health.ready();
  }
}
