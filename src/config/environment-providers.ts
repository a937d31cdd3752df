import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { ServiceVariables, toBool } from './environment-service.js';

/**
 * The environment, part 2 of 3 (see environment.ts): the simulators, provider timing, retries and
 * Strava's limits and upload polling, the providers' credentials and URLs, the token key, push.
 */
export class ProviderVariables extends ServiceVariables {
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

  /**
   * A record fault (one record's request keeps failing with 5xx or timeouts while the provider
   * answers other requests): the record is tried this many times in all before it is settled
   * FAILED (PROVIDER_RECORD_ERROR), its chunk then failing (retry-failed re-runs it).
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(20)
  RECORD_FAULT_ATTEMPTS = 4;

  /**
   * Real seconds before a record fault's first retry; each later retry waits three times longer
   * (10, 30, 90 s by default: the record is settled within about 2.5 minutes of its first failure,
   * whatever PROVIDER_TIME_SCALE is).
   */
  @Type(() => Number)
  @Min(0.05)
  @Max(600)
  RECORD_FAULT_RETRY_SECONDS = 10;

  /** Strava's per-application limits (raised limits are still per application): overall per 15 min. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  STRAVA_LIMIT_15MIN = 200;

  /** Overall per day (midnight UTC). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  STRAVA_LIMIT_DAILY = 2000;

  /** Non-upload ("read") requests per 15 min. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  STRAVA_READ_LIMIT_15MIN = 100;

  /** Non-upload ("read") requests per day. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  STRAVA_READ_LIMIT_DAILY = 1000;

  /** Google Health API requests per minute per user (a deployment with a raised quota sets it). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  GOOGLE_LIMIT_USER_PER_MINUTE = 300;

  /** Google Health API requests per minute for the whole project (our OAuth client). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  GOOGLE_LIMIT_PROJECT_PER_MINUTE = 120_000;

  /**
   * Real ms before a page's uploads are first looked for (Strava processes an upload in ~2 s);
   * unset: 2,000 ms of provider time (x PROVIDER_TIME_SCALE).
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(60_000)
  STRAVA_UPLOAD_FIRST_POLL_MS?: number;

  /**
   * Real ms between status polls of one upload; never below 1 s of provider time (Strava: at most
   * one poll a second); unset: 1,000 ms of provider time.
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(60_000)
  STRAVA_UPLOAD_POLL_MS?: number;

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
}
