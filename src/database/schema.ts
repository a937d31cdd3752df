/**
 * The database as Kysely sees it: every table's row type and `DB`, the one interface every query is
 * typed against. One file on purpose, over ~300 lines: `DB` must name every table, the column
 * vocabularies (statuses, providers) are shared between tables, and the drift guard
 * (test/schema.e2e-spec.ts) compares this file with the migrated database as a whole.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** A timestamptz column: read as Date, written as Date or ISO string, with a database default. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** A `date` column, kept as the civil 'YYYY-MM-DD' string (see kysely.factory.ts). */
type CivilDate = string;
type Json<T> = ColumnType<T, T | string, T | string>;
type NullableJson<T> = ColumnType<T | null, T | string | null | undefined, T | string | null>;

export type Tier = 'FREE' | 'PRO';
/**
 * The registered providers, one key each: every provider folder adds its id here from its descriptor
 * (`declare module` in `<id>.descriptor.ts`), so this room names no provider and a new one needs no
 * edit here. `provider-descriptors.ts` fails to compile unless its registry holds exactly these.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RegisteredProviders {}
/** A registered provider's id: the database's vocabulary of the `provider` columns (text, no check). */
export type ProviderName = keyof RegisteredProviders & string;
export type OrchestrationKind = 'HISTORICAL' | 'INITIAL_7_DAY';
export type OrchestrationStatus =
  'PENDING' | 'IN_PROGRESS' | 'PAUSED' | 'COMPLETED' | 'COMPLETED_WITH_ERRORS' | 'FAILED' | 'CANCELLED';
export type PauseReason = 'USER' | 'REAUTH_REQUIRED';
export type ChunkStatus = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
export type DuplicatePolicy = 'SKIP' | 'IMPORT';
export type RangePreset = 'LAST_7_DAYS' | 'LAST_30_DAYS' | 'LAST_YEAR' | 'ALL_TIME' | 'CUSTOM';

export interface ErrorInfo {
  code: string;
  message: string;
  retryable: boolean;
}

export interface EntitlementsTable {
  user_id: string;
  tier: Tier;
  expires_at: NullableTimestamp;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface ProviderAccountsTable {
  id: Generated<string>;
  user_id: string;
  provider: ProviderName;
  external_user_id: string;
  access_token: Buffer;
  refresh_token: Buffer | null;
  access_token_expires_at: NullableTimestamp;
  scopes: string | null;
  status: Generated<'ACTIVE' | 'REVOKED'>;
  /** When the grant was found gone (null while ACTIVE). */
  revoked_at: NullableTimestamp;
  token_version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface ConnectionsTable {
  id: Generated<string>;
  user_id: string;
  source_provider: ProviderName;
  source_account_id: string | null;
  source_external_user_id: string;
  destination_provider: ProviderName;
  destination_account_id: string | null;
  destination_external_user_id: string;
  timezone: Generated<string>;
  status: Generated<'ACTIVE' | 'DELETED'>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  deleted_at: NullableTimestamp;
}

/** A sync's next chunk waits for a provider: an outage, or a spent quota (timestamps as ISO strings). */
export interface SyncWaiting {
  reason: 'PROVIDER_UNAVAILABLE' | 'PROVIDER_RATE_LIMITED';
  provider: ProviderName;
  since: string;
  retryAt: string | null;
}

export interface OrchestrationsTable {
  id: Generated<string>;
  user_id: string;
  connection_id: string;
  kind: OrchestrationKind;
  source_provider: ProviderName;
  destination_provider: ProviderName;
  range_preset: RangePreset;
  start_date: CivilDate;
  end_date: CivilDate;
  status: OrchestrationStatus;
  total_chunks: number;
  completed_chunks: Generated<number>;
  failed_chunks: Generated<number>;
  round: Generated<number>;
  estimated_seconds: Generated<number>;
  last_error: NullableJson<ErrorInfo>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  started_at: NullableTimestamp;
  round_started_at: Generated<Date>;
  completed_at: NullableTimestamp;
  duplicate_policy: Generated<DuplicatePolicy>;
  /** The import report's counts (sync_record rows), kept equal to them by triggers. */
  records_read: Generated<number>;
  records_imported: Generated<number>;
  records_skipped: Generated<number>;
  records_failed: Generated<number>;
  /** Why a PAUSED sync is paused: the user, or a revoked provider grant (null unless PAUSED). */
  pause_reason: PauseReason | null;
  /** Why its next chunk waits for a provider, while it does (migration 0009). */
  waiting: NullableJson<SyncWaiting>;
  /** The last fair-queue tag given to this sync's chunks (HISTORICAL; migration 0008). */
  fair_last_tag: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface ChunksTable {
  id: Generated<string>;
  orchestration_id: string;
  idx: number;
  start_date: CivilDate;
  end_date: CivilDate;
  status: Generated<ChunkStatus>;
  attempts: Generated<number>;
  records_read: Generated<number>;
  records_written: Generated<number>;
  records_skipped: Generated<number>;
  last_error: NullableJson<ErrorInfo>;
  job_id: string | null;
  cursor: NullableJson<unknown>;
  /** Since when the chunk has been waiting out a provider outage (null when it is not). */
  transient_since: NullableTimestamp;
  /** Virtual start tag in the fair queue (HISTORICAL chunks with a job; migration 0008). */
  fair_tag: ColumnType<number | null, number | null | undefined, number | null>;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface OrchestrationCompletionsTable {
  id: Generated<number>;
  orchestration_id: string;
  round: number;
  status: OrchestrationStatus;
  total_chunks: number;
  completed_chunks: number;
  failed_chunks: number;
  created_at: Generated<Date>;
}

export interface IdempotencyKeysTable {
  user_id: string;
  key: string;
  request_hash: string;
  response_status: number;
  response_body: Json<unknown>;
  response_headers: Json<Record<string, string>>;
  created_at: Generated<Date>;
  expires_at: Timestamp;
}

export interface OAuthStatesTable {
  state_hash: string;
  user_id: string;
  provider: ProviderName;
  redirect_uri: string;
  code_verifier: string | null;
  expires_at: Timestamp;
  created_at: Generated<Date>;
}

/** rate-limiter-flexible's table; written only by the library. */
export interface RateLimitsTable {
  key: string;
  points: number;
  expire: string | null;
}

export interface AdminAuditLogTable {
  id: Generated<string>;
  admin_id: string;
  action: string;
  target: string | null;
  details: Json<Record<string, unknown>>;
  request_id: string | null;
  created_at: Generated<Date>;
}

export interface DB {
  entitlements: EntitlementsTable;
  provider_accounts: ProviderAccountsTable;
  connections: ConnectionsTable;
  orchestrations: OrchestrationsTable;
  chunks: ChunksTable;
  orchestration_completions: OrchestrationCompletionsTable;
  idempotency_keys: IdempotencyKeysTable;
  analytics_events: AnalyticsEventsTable;
  devices: DevicesTable;
  notifications: NotificationsTable;
  notification_deliveries: NotificationDeliveriesTable;
  sync_ledger: SyncLedgerTable;
  provider_quota: ProviderQuotaTable;
  sync_record: SyncRecordTable;
  oauth_states: OAuthStatesTable;
  rate_limits: RateLimitsTable;
  admin_audit_log: AdminAuditLogTable;
  fair_share_users: FairShareUsersTable;
  destination_snapshots: DestinationSnapshotsTable;
  archives: ArchivesTable;
  archive_sessions: ArchiveSessionsTable;
}

/** One destination activity as the duplicate matcher sees it (its ActivityFacts). */
export interface SnapshotActivity {
  id: string;
  kind: string;
  start: number;
  end: number;
  distanceMeters?: number;
  utcOffsetSeconds?: number;
}

/** What a sync's destination held over its range when first listed (migration 0010). */
export interface DestinationSnapshotsTable {
  orchestration_id: string;
  /** The duplicate matcher's facts of each activity (ActivityFacts; epoch ms). */
  activities: ColumnType<SnapshotActivity[], string, string>;
  taken_at: Generated<Date>;
}

export type ArchiveStatus = 'UPLOADING' | 'SCANNING' | 'READY' | 'FAILED';
export type ArchiveFormatName = 'ACTIVITY_FILES' | 'STRAVA_EXPORT' | 'APPLE_HEALTH' | 'FITBIT_TAKEOUT';

/** One entry that could not be read or was skipped, or the problem that failed the archive. */
export interface ArchiveProblemRow {
  entry: string | null;
  code: string;
  message: string;
}

/** An uploaded export archive (migration 0011). */
export interface ArchivesTable {
  id: string;
  user_id: string;
  filename: string;
  status: ArchiveStatus;
  size_bytes: number;
  uploaded_bytes: Generated<number>;
  format: ArchiveFormatName | null;
  sessions_found: Generated<number>;
  first_date: CivilDate | null;
  last_date: CivilDate | null;
  problems: ColumnType<ArchiveProblemRow[], string | undefined, string>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  expires_at: Date;
  deleted_at: Date | null;
}

/** One workout an archive's scan found (migration 0011): its session gzipped, or why it is none. */
export interface ArchiveSessionsTable {
  archive_id: string;
  record_id: string;
  entry: string;
  start_time: Date | null;
  /** The workout's date on the athlete's clock (its start plus its UTC offset): the chunk it belongs to. */
  local_date: CivilDate | null;
  session: Buffer | null;
  invalid: string | null;
}

export type Archive = Selectable<ArchivesTable>;

/** Where each user's next chunk starts in the fair queue (migration 0008). */
export interface FairShareUsersTable {
  user_id: string;
  next_tag: Generated<number>;
  updated_at: Generated<Date>;
}

export type Orchestration = Selectable<OrchestrationsTable>;
export type NewOrchestration = Insertable<OrchestrationsTable>;
export type Chunk = Selectable<ChunksTable>;
export type NewChunk = Insertable<ChunksTable>;
export type Connection = Selectable<ConnectionsTable>;
export type NewConnection = Insertable<ConnectionsTable>;
export type Entitlement = Selectable<EntitlementsTable>;
export type ProviderAccount = Selectable<ProviderAccountsTable>;

export type AnalyticsEventType =
  | 'SYNC_REQUESTED'
  | 'UPSELL_SHOWN'
  | 'SYNC_STARTED'
  | 'CHUNK_COMPLETED'
  | 'CHUNK_FAILED'
  | 'CHUNK_RETRIED'
  | 'SYNC_COMPLETED'
  | 'PRO_GRANTED';

export interface AnalyticsEventsTable {
  id: Generated<number>;
  type: AnalyticsEventType;
  user_id: string;
  orchestration_id: string | null;
  properties: Json<Record<string, unknown>>;
  occurred_at: Generated<Date>;
}

export type DevicePlatform = 'android' | 'ios' | 'web';
export type NotificationCode = 'N-05' | 'N-06' | 'N-07';
export type DeliveryStatus = 'PENDING' | 'SENDING' | 'SENT' | 'UNCONFIRMED' | 'FAILED' | 'INVALID_TOKEN';

export interface DevicesTable {
  id: Generated<string>;
  user_id: string;
  platform: DevicePlatform;
  token: string;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface NotificationsTable {
  id: Generated<string>;
  user_id: string;
  /** N-05/N-06: the sync that ended; null for N-07 (it belongs to a connection). */
  orchestration_id: string | null;
  connection_id: string | null;
  round: number;
  code: NotificationCode;
  title: string;
  body: string;
  /** The push payload's data besides `type` (N-07: connectionId, provider). */
  data: NullableJson<Record<string, string>>;
  /** Makes a notification once-only where (orchestration, round) does not (N-07: per revocation). */
  dedupe_key: string | null;
  created_at: Generated<Date>;
}

export interface NotificationDeliveriesTable {
  id: Generated<string>;
  notification_id: string;
  device_id: string;
  platform: DevicePlatform;
  status: Generated<DeliveryStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  provider_message_id: string | null;
  sent_at: NullableTimestamp;
  updated_at: Timestamp;
}

export type LedgerStatus = 'CLAIMED' | 'WRITTEN' | 'SKIPPED';

export interface SyncLedgerTable {
  connection_id: string;
  source_record_id: string;
  idempotency_key: string;
  status: LedgerStatus;
  destination_id: string | null;
  reason: string | null;
  orchestration_id: string | null;
  chunk_id: string | null;
  attempts: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface ProviderQuotaTable {
  bucket: string;
  provider: ProviderName;
  window_index: number;
  used: Generated<number>;
  limit_per_window: number;
  blocked_until: NullableTimestamp;
  updated_at: Timestamp;
}

export type SyncRecordStatus = 'PENDING' | 'IMPORTED' | 'SKIPPED_DUPLICATE' | 'SKIPPED_INVALID' | 'FAILED';

/** The import report: one row per source record an orchestration saw. */
export interface SyncRecordTable {
  orchestration_id: string;
  source_record_id: string;
  chunk_id: string;
  sort_time: Timestamp;
  start_time: NullableTimestamp;
  sport_type: string | null;
  status: Generated<SyncRecordStatus>;
  reason_code: string | null;
  reason_message: string | null;
  destination_id: string | null;
  duplicate_of_id: string | null;
  /** Failed tries of this record's own request in this round, and the first (migration 0009). */
  fault_count: Generated<number>;
  fault_since: NullableTimestamp;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}
