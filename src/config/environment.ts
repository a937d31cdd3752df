import 'reflect-metadata';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';

const toBool = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()) : value;

/** Every environment variable the service reads, with its default. `.env.example` documents each. */
export class EnvironmentVariables {
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

  @IsIn(['auto', 'on', 'off'])
  SIMULATORS = 'auto';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  GOOGLE_SIM_PORT = 4010;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  STRAVA_SIM_PORT = 4020;

  @Type(() => Number)
  @Min(0.0001)
  @Max(1)
  SIM_TIME_SCALE = 0.05;

  @IsOptional()
  @Type(() => Number)
  @Min(0.0001)
  @Max(1)
  PROVIDER_TIME_SCALE?: number;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  PROVIDER_MAX_WAIT_SECONDS = 20;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(300)
  PROVIDER_REQUEST_TIMEOUT_SECONDS = 30;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10)
  PROVIDER_RETRIES = 3;

  /**
   * How long a chunk waits out a provider outage (5xx, timeouts, our client credentials refused,
   * the database away) without using its attempts; past this the attempts count again.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(7 * 86400)
  PROVIDER_OUTAGE_MAX_SECONDS = 21600;

  /** Wait before the first upload status poll (Strava processes an upload in ~2 s). */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(60_000)
  STRAVA_UPLOAD_FIRST_POLL_MS = 2000;

  /** Between status polls; never below 1 s x PROVIDER_TIME_SCALE (Strava: at most one poll a second). */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(60_000)
  STRAVA_UPLOAD_POLL_MS = 1000;

  @Type(() => Number)
  @IsInt()
  @Min(5)
  @Max(3600)
  STRAVA_UPLOAD_TIMEOUT_SECONDS = 120;

  @IsOptional()
  @IsString()
  FITBIT_CLIENT_ID?: string;

  @IsOptional()
  @IsString()
  FITBIT_CLIENT_SECRET?: string;

  @IsUrl({ require_tld: false })
  GOOGLE_HEALTH_API_BASE_URL = 'https://health.googleapis.com';

  @IsUrl({ require_tld: false })
  GOOGLE_OAUTH_AUTHORIZE_URL = 'https://accounts.google.com/o/oauth2/v2/auth';

  @IsUrl({ require_tld: false })
  GOOGLE_OAUTH_TOKEN_URL = 'https://oauth2.googleapis.com/token';

  @IsOptional()
  @IsString()
  STRAVA_CLIENT_ID?: string;

  @IsOptional()
  @IsString()
  STRAVA_CLIENT_SECRET?: string;

  @IsUrl({ require_tld: false })
  STRAVA_API_BASE_URL = 'https://www.strava.com/api/v3';

  @IsUrl({ require_tld: false })
  STRAVA_OAUTH_AUTHORIZE_URL = 'https://www.strava.com/oauth/authorize';

  @IsUrl({ require_tld: false })
  STRAVA_OAUTH_TOKEN_URL = 'https://www.strava.com/oauth/token';

  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'TOKEN_ENCRYPTION_KEY must be 32 bytes, base64-encoded' })
  TOKEN_ENCRYPTION_KEY?: string;

  @IsIn(['auto', 'log', 'fcm'])
  PUSH_DRIVER = 'auto';

  @IsOptional()
  @IsString()
  FCM_PROJECT_ID?: string;

  @IsOptional()
  @IsString()
  FCM_CREDENTIALS_FILE?: string;

  @IsUrl({ require_tld: false })
  FCM_BASE_URL = 'https://fcm.googleapis.com';

  @Transform(toBool)
  @IsBoolean()
  INITIAL_SYNC_NOTIFY = false;

  // --- Security (SECURITY.md) ---------------------------------------------------------------

  /** Deepest nesting of objects/arrays a JSON body may have (422 beyond). */
  @Type(() => Number)
  @IsInt()
  @Min(4)
  @Max(256)
  HTTP_JSON_MAX_DEPTH = 32;

  /** Most object keys a JSON body may have, counted over the whole body (422 beyond). */
  @Type(() => Number)
  @IsInt()
  @Min(16)
  @Max(100_000)
  HTTP_JSON_MAX_KEYS = 1000;

  /** Longest accepted lifetime of a bearer token (exp - iat, or exp - now without iat). */
  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(30 * 86400)
  JWT_MAX_LIFETIME_SECONDS = 86400;

  /** Leeway for exp/nbf/iat against the clocks of the token issuer. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(300)
  JWT_CLOCK_TOLERANCE_SECONDS = 0;

  @IsOptional()
  @IsString()
  JWT_ISSUER?: string;

  @IsOptional()
  @IsString()
  JWT_AUDIENCE?: string;

  /** Comma-separated OAuth redirect URIs the consent may return to (exact match). */
  @IsOptional()
  @IsString()
  OAUTH_REDIRECT_URIS?: string;

  /** Also allow loopback redirect URIs (http://127.0.0.1|[::1]|localhost on any port), as RFC 8252 does. */
  @Transform(toBool)
  @IsBoolean()
  OAUTH_ALLOW_LOOPBACK_REDIRECTS = true;

  /** How long the server's OAuth `state` stays redeemable. */
  @Type(() => Number)
  @IsInt()
  @Min(600)
  @Max(3600)
  OAUTH_STATE_TTL_SECONDS = 900;

  @Transform(toBool)
  @IsBoolean()
  RATE_LIMIT_ENABLED = true;

  /** Requests one user may make per window, across all replicas. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  RATE_LIMIT_USER_REQUESTS = 600;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86400)
  RATE_LIMIT_USER_WINDOW_SECONDS = 60;

  /** Requests one client IP may make to /v1 per window, across all replicas. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  RATE_LIMIT_IP_REQUESTS = 6000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86400)
  RATE_LIMIT_IP_WINDOW_SECONDS = 60;

  /** Registered push devices one user may have (409 DEVICE_LIMIT_REACHED beyond). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  MAX_DEVICES_PER_USER = 10;

  /** HISTORICAL syncs one user may have PENDING/IN_PROGRESS/PAUSED at once (409 SYNC_LIMIT_REACHED beyond). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  MAX_ACTIVE_HISTORICAL_SYNCS_PER_USER = 3;
}
