import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../../config/app-config.js';

import { assignRequestId } from './request-id.js';

/** The mobile app polls status every 10 s: answered polls are debug noise; failures are not. */
const POLL = /^\/v1\/orchestrations\/[^/]+\/status(\?|$)/;

export function requestLogLevel(req: IncomingMessage, res: ServerResponse, error?: Error) {
  if (error || res.statusCode >= 500) return 'error';
  if (res.statusCode >= 400) return 'warn';
  if (req.method === 'GET' && POLL.test(req.url ?? '')) return 'debug';
  return 'info';
}

/**
 * Structured JSON logs (pino) with a request id per request: the caller's `X-Request-Id` when it is
 * well-formed, else a new UUID, echoed in the response. Credentials never reach the log.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.log.level,
          genReqId: (req: IncomingMessage, res: ServerResponse) => assignRequestId(req, res),
          redact: {
            paths: [
              'req.headers.authorization',
              'req.headers.cookie',
              'req.headers["x-api-key"]',
              'res.headers["set-cookie"]',
              '*.access_token',
              '*.refresh_token',
              '*.accessToken',
              '*.refreshToken',
              '*.authorizationCode',
              '*.client_secret',
              '*.token',
            ],
            censor: '[redacted]',
          },
          customLogLevel: requestLogLevel,
          autoLogging: {
            ignore: (req: IncomingMessage) => /^\/(health|metrics)/.test(req.url ?? ''),
          },
          serializers: {
            req: (req: { id: unknown; method: string; url: string; headers: Record<string, unknown> }) => ({
              id: req.id,
              method: req.method,
              url: req.url?.split('?')[0],
              userAgent: req.headers?.['user-agent'],
            }),
          },
          base: { service: 'syncwell-historical-sync', role: config.role.name },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
