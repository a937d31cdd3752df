import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { ProviderVariables } from './environment-providers.js';
import { toBool } from './environment-service.js';

/**
 * Every environment variable the service reads, with its default. `.env.example` documents each.
 *
 * One class, because `loadConfig` (app-config.ts) validates the environment as one object and reports
 * every problem at once; it is written in three files by concern, each part extending the one before:
 * environment-service.ts (process, HTTP, database, jobs, chunks), environment-providers.ts (simulators,
 * providers, push) and, here, security (SECURITY.md): request shapes, tokens, OAuth, rate limits, caps.
 */
export class EnvironmentVariables extends ProviderVariables {
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

  /** Largest export archive an upload may announce (`Upload-Length`; 413 ARCHIVE_TOO_LARGE beyond). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  ARCHIVE_MAX_BYTES = 4 * 2 ** 30;

  /** Uncompressed bytes an archive may hold, nested archives included (a ZIP bomb beyond). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  ARCHIVE_MAX_UNCOMPRESSED_BYTES = 16 * 2 ** 30;

  /** Largest uncompressed : compressed ratio of one entry (a ZIP bomb beyond). */
  @Type(() => Number)
  @IsInt()
  @Min(2)
  ARCHIVE_MAX_RATIO = 200;

  /** Days an archive is kept after its last sync ended (or after its upload, before any sync). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3650)
  ARCHIVE_RETENTION_DAYS = 30;

  /** Where uploaded archives are stored: the local disk (DATA_DIR/archives, or ARCHIVE_DIR) or an S3 bucket. */
  @IsIn(['local', 's3'])
  ARCHIVE_STORAGE = 'local';

  @IsOptional()
  @IsString()
  ARCHIVE_DIR?: string;

  @IsOptional()
  @IsString()
  ARCHIVE_S3_BUCKET?: string;

  @IsOptional()
  @IsString()
  ARCHIVE_S3_REGION?: string;

  /** An S3-compatible endpoint (MinIO, R2, …); path-style addressing is used with it. */
  @IsOptional()
  @IsString()
  ARCHIVE_S3_ENDPOINT?: string;
}
