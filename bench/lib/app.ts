import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../../src/app.module.js';
import { APP_OPTIONS, configureApp } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config/app-config.js';
import {
  CHUNK_PROCESSOR,
  type ChunkCounts,
  type ChunkProcessor,
} from '../../src/modules/chunks/chunk-processor.js';

export const BENCH_JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789';

export function benchEnv(url: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: url,
    JWT_SECRET: BENCH_JWT_SECRET,
    TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
    DATA_DIR: mkdtempSync(join(tmpdir(), 'syncwell-bench-')),
    LOG_LEVEL: 'warn',
    SWEEP_INTERVAL_SECONDS: '3600',
    JOBS_SUPERVISE_INTERVAL_SECONDS: '2',
    PROVIDER_TIME_SCALE: '1',
    // load generators send from one address as few users: no request budgets or per-user caps here
    RATE_LIMIT_ENABLED: 'false',
    MAX_ACTIVE_HISTORICAL_SYNCS_PER_USER: '1000',
    MAX_DEVICES_PER_USER: '1000',
    ...overrides,
  };
}

/** A connector that does no I/O: returns after `delayMs` (0 = at once) with a month's worth of records. */
export class FixedDelayConnector implements ChunkProcessor {
  constructor(private readonly delayMs = 0) {}

  async processChunk(): Promise<ChunkCounts> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    return { recordsRead: 17, recordsWritten: 17, recordsSkipped: 0 };
  }

  async dataSpan(): Promise<{ first: string | null; last: string | null }> {
    return { first: null, last: null };
  }
}

/** The real application in this process (real PostgreSQL and pg-boss), optionally with a replaced connector. */
export async function startApp(
  env: Record<string, string>,
  connector?: ChunkProcessor,
): Promise<NestExpressApplication> {
  const config = loadConfig(env);
  let builder = Test.createTestingModule({ imports: [AppModule.forRoot(config)] });
  if (connector) builder = builder.overrideProvider(CHUNK_PROCESSOR).useValue(connector);
  const app = configureApp(
    (await builder.compile()).createNestApplication<NestExpressApplication>({
      ...APP_OPTIONS,
      logger: ['error', 'warn'],
    }),
    config,
  );
  await app.init();
  return app;
}
