import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Kysely } from 'kysely';
import { AppModule } from '../../src/app.module.js';
import { APP_OPTIONS, configureApp } from '../../src/bootstrap.js';
import { signToken } from '../../src/common/auth/token.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { KYSELY } from '../../src/database/database.tokens.js';
import type { DB } from '../../src/database/schema.js';
import { CHUNK_PROCESSOR, type ChunkProcessor } from '../../src/modules/chunks/chunk-processor.js';
import request from 'supertest';
import { createTestDatabase, dropTestDatabase } from './database.js';
import { validateResponsesOf } from './openapi-responses.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

/** Fast timings for tests; each can be overridden. Sweeps are run by the tests themselves. */
export function testEnv(databaseUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: TEST_JWT_SECRET,
    TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    DATA_DIR: mkdtempSync(join(tmpdir(), 'syncwell-test-data-')),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    DB_POOL_MAX: '10',
    JOBS_POLL_INTERVAL_SECONDS: '0.5',
    JOBS_SUPERVISE_INTERVAL_SECONDS: '1',
    CHUNK_RETRY_DELAY_SECONDS: '1',
    CHUNK_RETRY_DELAY_MAX_SECONDS: '2',
    CHUNK_HEARTBEAT_SECONDS: '10',
    SWEEP_INTERVAL_SECONDS: '3600',
    SWEEP_GRACE_SECONDS: '0',
    PROVIDER_TIME_SCALE: '1',
    // request budgets and per-user caps are exercised by test/security*.e2e-spec.ts only
    RATE_LIMIT_ENABLED: 'false',
    MAX_ACTIVE_HISTORICAL_SYNCS_PER_USER: '1000',
    MAX_DEVICES_PER_USER: '1000',
    ...overrides,
  };
}

export interface TestApp {
  app: NestExpressApplication;
  http: ReturnType<NestExpressApplication['getHttpServer']>;
  db: Kysely<DB>;
  config: AppConfig;
  databaseUrl: string;
  token(sub: string, roles?: string[]): string;
  close(): Promise<void>;
}

/**
 * The real application (real PostgreSQL, real pg-boss) on a fresh database, optionally with the
 * chunk connector replaced. Call `close()` in afterAll. Every supertest request to `http` checks its
 * answer against the app's own /docs/openapi.json (test/support/openapi-responses.ts): an answer the
 * document does not describe fails the request.
 */
export async function createTestApp(
  options: {
    env?: Record<string, string>;
    connector?: ChunkProcessor;
    databaseUrl?: string;
    keepDatabase?: boolean;
  } = {},
): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  const config = loadConfig(testEnv(databaseUrl, options.env));
  let builder = Test.createTestingModule({ imports: [AppModule.forRoot(config)] });
  if (options.connector) builder = builder.overrideProvider(CHUNK_PROCESSOR).useValue(options.connector);
  const moduleRef = await builder.compile();
  const app = configureApp(moduleRef.createNestApplication<NestExpressApplication>(APP_OPTIONS), config);
  await app.init();
  const http = app.getHttpServer();
  const document = await request(http).get('/docs/openapi.json').expect(200);
  validateResponsesOf(http, document.body);
  return {
    app,
    http,
    db: app.get<Kysely<DB>>(KYSELY),
    config,
    databaseUrl,
    token: (sub, roles = []) => signToken(TEST_JWT_SECRET, { sub, roles }),
    close: async () => {
      await app.close();
      if (!options.databaseUrl && !options.keepDatabase) await dropTestDatabase(databaseUrl);
    },
  };
}

/** Polls `check` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
