import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';

/** A boolean variable: 1, true, yes or on (any case) is true. */
export const toBool = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()) : value;

/**
 * The environment, part 1 of 3 (see environment.ts): the process, the HTTP server, the database, logs,
 * the job queues, chunk retries, sweeps and idempotency.
 */
export class ServiceVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV = 'development';

  @IsIn(['all', 'api', 'worker'])
  ROLE = 'all';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @IsString()
  DATA_DIR = '.data';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  EMBEDDED_PG_PORT = 54320;

  @Type(() => Number)
  @IsInt()
  @Min(2)
  @Max(200)
  DB_POOL_MAX = 10;

  /** Orchestration rows an API process keeps in memory for status polls (0: read every poll from PostgreSQL). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  STATUS_CACHE_SIZE = 50_000;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @Matches(/^\d+(b|kb|mb)$/i, { message: 'HTTP_BODY_LIMIT must look like 100kb or 1mb' })
  HTTP_BODY_LIMIT = '100kb';

  @IsString()
  JOBS_SCHEMA = 'pgboss';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  JOBS_POOL_MAX = 10;

  @Type(() => Number)
  @Min(0.5)
  @Max(60)
  JOBS_POLL_INTERVAL_SECONDS = 1;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  JOBS_SUPERVISE_INTERVAL_SECONDS = 5;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  CHUNK_WORKER_CONCURRENCY = 8;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  CHUNK_USER_CONCURRENCY = 4;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(50)
  CHUNK_RETRY_LIMIT = 5;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  CHUNK_RETRY_DELAY_SECONDS = 10;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86400)
  CHUNK_RETRY_DELAY_MAX_SECONDS = 900;

  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(3600)
  CHUNK_HEARTBEAT_SECONDS = 10;

  /**
   * Queued chunks past which pg-boss warns of a backlog (every few seconds). A long backlog is this
   * product's normal state (the fair queue exists for it, and `syncwell_queue_depth` shows it): warn
   * only at what an operator should act on, about 20,000 one-year syncs queued,
   * 250,000 chunks, by default.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  CHUNK_QUEUE_WARNING_SIZE = 250_000;

  @Type(() => Number)
  @IsInt()
  @Min(30)
  @Max(86400)
  CHUNK_EXPIRE_SECONDS = 3600;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  SWEEP_INTERVAL_SECONDS = 10;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86400)
  SWEEP_GRACE_SECONDS = 60;

  @Type(() => Number)
  @IsInt()
  @Min(24)
  @Max(24 * 30)
  IDEMPOTENCY_TTL_HOURS = 24;
}
