import type { IncomingMessage, ServerResponse } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, getSchemaPath, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { createValidationPipe } from './common/errors/validation.pipe.js';
import { completeOpenApiDocument } from './common/http/openapi-document.js';
import { ProblemDto } from './common/http/problem.dto.js';
import { assignRequestId } from './common/http/request-id.js';
import type { AppConfig } from './config/app-config.js';

export function buildOpenApiDocument(app: NestExpressApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('SyncWell Historical Sync API')
    .setDescription(
      [
        'The cold path of SyncWell: imports years of health and fitness history from a source provider into a ' +
          'destination provider, one month-long chunk at a time.',
        '**Flow**: grant PRO (`PUT /v1/admin/users/{userId}/entitlement`, admin) → `GET /v1/connections/authorize-url` ' +
          'for each provider → the user consents, the provider redirects with a `code` → `POST /v1/connections` ' +
          '(starts the automatic 7-day sync) → `GET .../historical-syncs/estimate` → `POST .../historical-syncs` → poll ' +
          '`GET /v1/orchestrations/{id}/status` → `GET /v1/orchestrations/{id}/chunks` → `GET /v1/notifications`.',
        '**Auth**: every `/v1` route needs `Authorization: Bearer <JWT>` (HS256 with `JWT_SECRET`, `sub` = user id, ' +
          '`roles: ["admin"]` for admin routes). Locally: `npm run -s token -- --sub alice [--admin]`, then paste it ' +
          'into **Authorize**.',
        '**Errors** are RFC 9457 `application/problem+json` with a stable `code`; each operation lists the codes it ' +
          'can answer and why. **Lists** take `limit` (1–100) and an opaque `cursor`, and answer `{ items, nextCursor }`.',
      ].join('\n\n'),
    )
    .setVersion('1.0.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
    extraModels: [ProblemDto],
  });
  return completeOpenApiDocument(document, getSchemaPath(ProblemDto));
}

export const APP_OPTIONS = { bufferLogs: true, bodyParser: false } as const;

/** Builds the Nest application for a migrated database. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), APP_OPTIONS);
  return configureApp(app, config);
}

/** Request ids, body limits, validation, docs: everything the module graph does not declare. */
export function configureApp(app: NestExpressApplication, config: AppConfig): NestExpressApplication {
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('etag', false); // routes that support conditional requests set their own ETag
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    assignRequestId(req, res);
    next();
  });
  app.useBodyParser('json', {
    limit: config.http.bodyLimit,
    type: ['application/json', 'application/*+json'],
  });
  app.useGlobalPipes(createValidationPipe());
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs/openapi.json',
    yamlDocumentUrl: 'docs/openapi.yaml',
    // a token pasted into "Authorize" survives a reload of the page
    swaggerOptions: { persistAuthorization: true, displayRequestDuration: true },
  });
  return app;
}
