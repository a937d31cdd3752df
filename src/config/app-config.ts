import { randomBytes } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { archiveConfig, type ArchiveConfig } from './archive-config.js';
import { localSecret } from './local-secret.js';
import { EnvironmentVariables } from './environment.js';

export type RoleName = 'all' | 'api' | 'worker';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface ProviderEndpoints {
  clientId: string;
  clientSecret: string;
  apiBaseUrl: string;
  authorizeUrl: string;
  tokenUrl: string;
}

/** Each provider's credentials and URLs, under its id (the providers' own folders read theirs). */
export interface ProviderEndpointsById {
  fitbit: ProviderEndpoints;
  strava: ProviderEndpoints;
}

/** The validated, structured configuration. Built once at boot by {@link loadConfig}. */
export class AppConfig {
  readonly env!: 'development' | 'production' | 'test';
  readonly role!: { name: RoleName; api: boolean; worker: boolean };
  readonly http!: {
    host: string;
    port: number;
    bodyLimit: string;
    jsonMaxDepth: number;
    jsonMaxKeys: number;
  };
  readonly log!: { level: LogLevel };
  readonly dataDir!: string;
  readonly database!: { url?: string; embeddedPort: number; poolMax: number; statusCacheSize: number };
  readonly auth!: {
    jwtSecret: string;
    jwtSecretGenerated: boolean;
    maxLifetimeSeconds: number;
    clockToleranceSeconds: number;
    issuer?: string;
    audience?: string;
  };
  readonly oauth!: { redirectUris: string[]; allowLoopbackRedirects: boolean; stateTtlSeconds: number };
  /** Per-user and per-IP request budgets, counted in PostgreSQL (shared by every replica). */
  readonly rateLimit!: {
    enabled: boolean;
    user: { points: number; windowSeconds: number };
    ip: { points: number; windowSeconds: number };
  };
  readonly limits!: { devicesPerUser: number; activeHistoricalSyncsPerUser: number };
  readonly jobs!: {
    schema: string;
    poolMax: number;
    pollingIntervalSeconds: number;
    superviseIntervalSeconds: number;
    chunkConcurrency: number;
    chunkUserConcurrency: number;
    chunkRetryLimit: number;
    chunkRetryDelaySeconds: number;
    chunkRetryDelayMaxSeconds: number;
    chunkHeartbeatSeconds: number;
    chunkExpireSeconds: number;
    /** Queued chunks past which pg-boss warns of a backlog. */
    chunkQueueWarningSize: number;
  };
  readonly sweep!: { intervalSeconds: number; graceSeconds: number };
  readonly idempotencyTtlHours!: number;
  readonly simulators!: {
    mode: 'auto' | 'on' | 'off';
    googlePort: number;
    stravaPort: number;
    timeScale: number;
  };
  readonly providers!: ProviderEndpointsById & {
    credentialsConfigured: boolean;
    /** Quota windows are shrunk by this factor (the simulators' SIM_TIME_SCALE); 1 for the real providers. */
    timeScale: number;
    /** Longer waits for a quota window give the chunk back (rescheduled) instead of holding a worker. */
    maxInlineWaitMs: number;
    requestTimeoutMs: number;
    transientRetries: number;
    /** How long a chunk waits out a provider outage without using attempts. */
    outageMaxMs: number;
    /** A record fault: tries in all before the record is FAILED, and the first retry's delay (tripling). */
    recordFaults: { attempts: number; firstRetryMs: number };
    /** Strava's per-application limits, [15 min, day], overall and reads. */
    stravaLimits: { overall: [number, number]; read: [number, number] };
    /** Google Health API requests per minute: per user, per project. */
    googleLimits: { userPerMinute: number; projectPerMinute: number };
    uploadFirstPollMs: number;
    uploadPollIntervalMs: number;
    uploadTimeoutMs: number;
  };
  readonly tokenEncryptionKey!: Buffer;
  readonly archives!: ArchiveConfig;
  readonly push!: {
    driver: 'log' | 'fcm';
    fcmProjectId?: string;
    fcmCredentialsFile?: string;
    fcmBaseUrl: string;
    initialSyncNotify: boolean;
  };

  constructor(values: Omit<AppConfig, 'withDatabaseUrl' | 'withProviderUrls'>) {
    Object.assign(this, values);
  }

  /** The same configuration, with the providers' URLs replaced (the in-process simulators'). */
  withProviderUrls(urls: {
    [Id in keyof ProviderEndpointsById]?: Pick<ProviderEndpoints, 'apiBaseUrl' | 'authorizeUrl' | 'tokenUrl'>;
  }): AppConfig {
    const providers = { ...this.providers };
    for (const id of Object.keys(urls) as (keyof ProviderEndpointsById)[])
      providers[id] = { ...providers[id], ...urls[id] };
    return new AppConfig({ ...this, providers });
  }

  /** The same configuration, pointed at a database (the embedded one is only known once started). */
  withDatabaseUrl(url: string): AppConfig {
    return new AppConfig({ ...this, database: { ...this.database, url } });
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const KEYS = Object.keys(new EnvironmentVariables()).concat([
  'PROVIDER_TIME_SCALE',
  'STRAVA_UPLOAD_FIRST_POLL_MS',
  'STRAVA_UPLOAD_POLL_MS',
  'DATABASE_URL',
  'JWT_SECRET',
  'FITBIT_CLIENT_ID',
  'FITBIT_CLIENT_SECRET',
  'STRAVA_CLIENT_ID',
  'STRAVA_CLIENT_SECRET',
  'TOKEN_ENCRYPTION_KEY',
  'FCM_PROJECT_ID',
  'FCM_CREDENTIALS_FILE',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'OAUTH_REDIRECT_URIS',
  'ARCHIVE_DIR',
  'ARCHIVE_S3_BUCKET',
  'ARCHIVE_S3_REGION',
  'ARCHIVE_S3_ENDPOINT',
]);

/**
 * Reads and validates the environment. Every problem is collected and reported in one
 * {@link ConfigError}. Outside production, a missing JWT_SECRET or TOKEN_ENCRYPTION_KEY is generated
 * once and kept under DATA_DIR so local tokens and stored provider tokens survive restarts.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw: Record<string, string> = {};
  for (const key of new Set(KEYS)) {
    const value = source[key];
    if (value !== undefined && value.trim() !== '') raw[key] = value.trim();
  }
  const env = plainToInstance(EnvironmentVariables, raw, { enableImplicitConversion: false });
  const problems = validateSync(env, { forbidUnknownValues: false }).flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property) ? message : `${error.property}: ${message}`,
    ),
  );
  const production = env.NODE_ENV === 'production';
  if (production && !env.JWT_SECRET) problems.push('JWT_SECRET is required when NODE_ENV=production');
  if (production && !env.TOKEN_ENCRYPTION_KEY) {
    problems.push('TOKEN_ENCRYPTION_KEY is required when NODE_ENV=production');
  }
  const fitbitCreds = [env.FITBIT_CLIENT_ID, env.FITBIT_CLIENT_SECRET].filter(Boolean).length;
  const stravaCreds = [env.STRAVA_CLIENT_ID, env.STRAVA_CLIENT_SECRET].filter(Boolean).length;
  if (fitbitCreds === 1) problems.push('FITBIT_CLIENT_ID and FITBIT_CLIENT_SECRET must be set together');
  if (stravaCreds === 1) problems.push('STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET must be set together');
  const credentialsConfigured = fitbitCreds === 2 && stravaCreds === 2;
  if (env.SIMULATORS === 'off' && !credentialsConfigured) {
    problems.push('SIMULATORS=off needs FITBIT_CLIENT_ID/SECRET and STRAVA_CLIENT_ID/SECRET');
  }
  const fcm = env.PUSH_DRIVER === 'fcm' || (env.PUSH_DRIVER === 'auto' && Boolean(env.FCM_PROJECT_ID));
  if (fcm && !(env.FCM_PROJECT_ID && env.FCM_CREDENTIALS_FILE)) {
    problems.push('FCM push needs both FCM_PROJECT_ID and FCM_CREDENTIALS_FILE');
  }
  const redirectUris = (env.OAUTH_REDIRECT_URIS ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  for (const uri of redirectUris) {
    if (!URL.canParse(uri)) problems.push(`OAUTH_REDIRECT_URIS: ${uri} is not an absolute URL`);
  }
  if (env.ARCHIVE_STORAGE === 's3' && !env.ARCHIVE_S3_BUCKET)
    problems.push('ARCHIVE_STORAGE=s3 needs ARCHIVE_S3_BUCKET');
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = isAbsolute(env.DATA_DIR) ? env.DATA_DIR : resolve(process.cwd(), env.DATA_DIR);
  const jwtSecret =
    env.JWT_SECRET ?? localSecret(dataDir, 'jwt-secret', () => randomBytes(32).toString('hex'));
  const keyText =
    env.TOKEN_ENCRYPTION_KEY ?? localSecret(dataDir, 'token-key', () => randomBytes(32).toString('base64'));
  const simulated = env.SIMULATORS === 'on' || (env.SIMULATORS === 'auto' && !credentialsConfigured);
  const providerTimeScale = env.PROVIDER_TIME_SCALE ?? (simulated ? env.SIM_TIME_SCALE : 1);
  /** A span of provider time (what the provider's docs state) in real ms. */
  const providerMs = (ms: number) => Math.max(1, Math.round(ms * providerTimeScale));
  const role = env.ROLE as RoleName;

  return new AppConfig({
    env: env.NODE_ENV as AppConfig['env'],
    role: { name: role, api: role !== 'worker', worker: role !== 'api' },
    http: {
      host: env.HOST,
      port: env.PORT,
      bodyLimit: env.HTTP_BODY_LIMIT,
      jsonMaxDepth: env.HTTP_JSON_MAX_DEPTH,
      jsonMaxKeys: env.HTTP_JSON_MAX_KEYS,
    },
    log: { level: env.LOG_LEVEL as LogLevel },
    dataDir,
    database: {
      url: env.DATABASE_URL,
      embeddedPort: env.EMBEDDED_PG_PORT,
      poolMax: env.DB_POOL_MAX,
      statusCacheSize: env.STATUS_CACHE_SIZE,
    },
    auth: {
      jwtSecret,
      jwtSecretGenerated: !env.JWT_SECRET,
      maxLifetimeSeconds: env.JWT_MAX_LIFETIME_SECONDS,
      clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE_SECONDS,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
    },
    oauth: {
      redirectUris,
      allowLoopbackRedirects: env.OAUTH_ALLOW_LOOPBACK_REDIRECTS,
      stateTtlSeconds: env.OAUTH_STATE_TTL_SECONDS,
    },
    rateLimit: {
      enabled: env.RATE_LIMIT_ENABLED,
      user: { points: env.RATE_LIMIT_USER_REQUESTS, windowSeconds: env.RATE_LIMIT_USER_WINDOW_SECONDS },
      ip: { points: env.RATE_LIMIT_IP_REQUESTS, windowSeconds: env.RATE_LIMIT_IP_WINDOW_SECONDS },
    },
    limits: {
      devicesPerUser: env.MAX_DEVICES_PER_USER,
      activeHistoricalSyncsPerUser: env.MAX_ACTIVE_HISTORICAL_SYNCS_PER_USER,
    },
    jobs: {
      schema: env.JOBS_SCHEMA,
      poolMax: env.JOBS_POOL_MAX,
      pollingIntervalSeconds: env.JOBS_POLL_INTERVAL_SECONDS,
      superviseIntervalSeconds: env.JOBS_SUPERVISE_INTERVAL_SECONDS,
      chunkConcurrency: env.CHUNK_WORKER_CONCURRENCY,
      chunkUserConcurrency: env.CHUNK_USER_CONCURRENCY,
      chunkRetryLimit: env.CHUNK_RETRY_LIMIT,
      chunkRetryDelaySeconds: env.CHUNK_RETRY_DELAY_SECONDS,
      chunkRetryDelayMaxSeconds: env.CHUNK_RETRY_DELAY_MAX_SECONDS,
      chunkHeartbeatSeconds: env.CHUNK_HEARTBEAT_SECONDS,
      chunkQueueWarningSize: env.CHUNK_QUEUE_WARNING_SIZE,
      chunkExpireSeconds: env.CHUNK_EXPIRE_SECONDS,
    },
    sweep: { intervalSeconds: env.SWEEP_INTERVAL_SECONDS, graceSeconds: env.SWEEP_GRACE_SECONDS },
    idempotencyTtlHours: env.IDEMPOTENCY_TTL_HOURS,
    simulators: {
      mode: simulated ? 'on' : 'off',
      googlePort: env.GOOGLE_SIM_PORT,
      stravaPort: env.STRAVA_SIM_PORT,
      timeScale: env.SIM_TIME_SCALE,
    },
    providers: {
      credentialsConfigured,
      timeScale: providerTimeScale,
      maxInlineWaitMs: env.PROVIDER_MAX_WAIT_SECONDS * 1000,
      requestTimeoutMs: env.PROVIDER_REQUEST_TIMEOUT_SECONDS * 1000,
      transientRetries: env.PROVIDER_RETRIES,
      outageMaxMs: env.PROVIDER_OUTAGE_MAX_SECONDS * 1000,
      recordFaults: {
        attempts: env.RECORD_FAULT_ATTEMPTS,
        firstRetryMs: Math.round(env.RECORD_FAULT_RETRY_SECONDS * 1000),
      },
      stravaLimits: {
        overall: [env.STRAVA_LIMIT_15MIN, env.STRAVA_LIMIT_DAILY],
        read: [env.STRAVA_READ_LIMIT_15MIN, env.STRAVA_READ_LIMIT_DAILY],
      },
      googleLimits: {
        userPerMinute: env.GOOGLE_LIMIT_USER_PER_MINUTE,
        projectPerMinute: env.GOOGLE_LIMIT_PROJECT_PER_MINUTE,
      },
      uploadFirstPollMs: env.STRAVA_UPLOAD_FIRST_POLL_MS ?? providerMs(2000),
      uploadPollIntervalMs: env.STRAVA_UPLOAD_POLL_MS ?? providerMs(1000),
      uploadTimeoutMs: env.STRAVA_UPLOAD_TIMEOUT_SECONDS * 1000,
      fitbit: {
        clientId: env.FITBIT_CLIENT_ID ?? 'syncwell-local',
        clientSecret: env.FITBIT_CLIENT_SECRET ?? 'syncwell-local-secret',
        apiBaseUrl: env.GOOGLE_HEALTH_API_BASE_URL,
        authorizeUrl: env.GOOGLE_OAUTH_AUTHORIZE_URL,
        tokenUrl: env.GOOGLE_OAUTH_TOKEN_URL,
      },
      strava: {
        clientId: env.STRAVA_CLIENT_ID ?? 'syncwell-local',
        clientSecret: env.STRAVA_CLIENT_SECRET ?? 'syncwell-local-secret',
        apiBaseUrl: env.STRAVA_API_BASE_URL,
        authorizeUrl: env.STRAVA_OAUTH_AUTHORIZE_URL,
        tokenUrl: env.STRAVA_OAUTH_TOKEN_URL,
      },
    },
    tokenEncryptionKey: Buffer.from(keyText, 'base64'),
    archives: archiveConfig(env, dataDir),
    push: {
      driver: fcm ? 'fcm' : 'log',
      fcmProjectId: env.FCM_PROJECT_ID,
      fcmCredentialsFile: env.FCM_CREDENTIALS_FILE,
      fcmBaseUrl: env.FCM_BASE_URL,
      initialSyncNotify: env.INITIAL_SYNC_NOTIFY,
    },
  });
}
