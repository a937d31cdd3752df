import type { IncomingMessage, ServerResponse } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, getSchemaPath, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { ErrorCode } from './common/errors/error-codes.js';
import { ProblemException } from './common/errors/problem.exception.js';
import { sendProblem, toProblem } from './common/errors/problem.filter.js';
import { createValidationPipe } from './common/errors/validation.pipe.js';
import { completeOpenApiDocument } from './common/http/openapi-document.js';
import { ProblemDto } from './common/http/problem.dto.js';
import { hasBody, isJsonBody, JSON_TYPES, jsonShapeVerifier } from './common/http/body-guard.js';
import { documentSecurity } from './common/http/openapi-security.js';
import { assignRequestId } from './common/http/request-id.js';
import { applyRateLimit } from './common/rate-limit/rate-limit.headers.js';
import { RateLimitService } from './common/rate-limit/rate-limit.service.js';
import { AppConfig } from './config/app-config.js';
import { UPLOADS_PATH } from './modules/archives/archive-upload.server.js';

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
  return documentSecurity(
    completeOpenApiDocument(document, getSchemaPath(ProblemDto)),
    app.get(AppConfig, { strict: false }),
  );
}

export const APP_OPTIONS = { bufferLogs: true, bodyParser: false } as const;

/** Builds the Nest application for a migrated database. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), APP_OPTIONS);
  return configureApp(app, config);
}

/**
 * Security headers for a JSON API that also serves the Swagger UI: its page loads its scripts from
 * /docs itself (no inline script), uses inline styles and data: images, and fetches the OpenAPI
 * document from the same origin.
 */
const securityHeaders = () =>
  helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    crossOriginEmbedderPolicy: false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  });

const problemOf = (status: number, code: ErrorCode, detail: string) =>
  toProblem(new ProblemException(status, code, detail));

/**
 * Request ids, security headers, the per-IP budget, the 415 and body-shape checks, validation, docs:
 * everything the module graph does not declare.
 */
export function configureApp(app: NestExpressApplication, config: AppConfig): NestExpressApplication {
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('etag', false); // routes that support conditional requests set their own ETag
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    assignRequestId(req, res);
    next();
  });
  app.use(securityHeaders());
  const limits = config.role.api ? app.get(RateLimitService, { strict: false }) : undefined;
  if (limits?.enabled) {
    // per client address on /v1, before authentication (so token guessing is counted too)
    app.use('/v1', (req: Request, res: Response, next: NextFunction) => {
      limits.consume('ip', req.ip ?? 'unknown').then((outcome) => {
        const refused = applyRateLimit(res, 'ip', outcome);
        if (refused) return sendProblem(req, res, toProblem(refused));
        next();
      }, next);
    });
  }
  // a body the JSON parser would skip (text/plain, a form, no type) must not reach a route as `{}`
  // tus uploads carry the archive's bytes (application/offset+octet-stream), streamed to storage:
  // no JSON parsing there, and the tus server answers a wrong content type itself
  const upload = (req: Request) => req.path === UPLOADS_PATH || req.path.startsWith(`${UPLOADS_PATH}/`);
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (upload(req)) return next();
    if (hasBody(req) && !isJsonBody(req)) {
      return sendProblem(
        req,
        res,
        problemOf(415, ErrorCode.UnsupportedMediaType, 'Send the request body as application/json'),
      );
    }
    next();
  });
  const json = express.json({
    limit: config.http.bodyLimit,
    type: JSON_TYPES,
    // depth and key-count limits, checked on the raw text before JSON.parse
    verify: jsonShapeVerifier(config.http.jsonMaxDepth, config.http.jsonMaxKeys),
  });
  app.use((req: Request, res: Response, next: NextFunction) => (upload(req) ? next() : json(req, res, next)));
  app.useGlobalPipes(createValidationPipe());
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs/openapi.json',
    yamlDocumentUrl: 'docs/openapi.yaml',
    // a token pasted into "Authorize" survives a reload of the page
    swaggerOptions: { persistAuthorization: true, displayRequestDuration: true },
  });
  return app;
}
