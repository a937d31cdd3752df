import type { Kysely } from 'kysely';
import type { AppConfig } from '../../src/config/app-config.js';
import { withSessionLock } from '../../src/database/advisory-lock.repository.js';
import type { DB, ErrorInfo } from '../../src/database/schema.js';
import { JobsRepository } from '../../src/jobs/jobs.repository.js';
import { RateLimitRepository } from '../../src/common/rate-limit/rate-limit.repository.js';
import { AdminRepository } from '../../src/modules/admin/admin.repository.js';
import { AnalyticsRepository } from '../../src/modules/analytics/analytics.repository.js';
import { AuditLogRepository } from '../../src/modules/audit/audit-log.repository.js';
import { ChunkRepairRepository } from '../../src/modules/chunks/chunk-repair.repository.js';
import { ChunksRepository } from '../../src/modules/chunks/chunks.repository.js';
import { FairShareRepository } from '../../src/modules/chunks/fair-share.repository.js';
import { ConnectionStoreRepository } from '../../src/modules/connection-store/connection-store.repository.js';
import { OAuthStateRepository } from '../../src/modules/connections/oauth-state.repository.js';
import { EntitlementsRepository } from '../../src/modules/entitlements/entitlements.repository.js';
import { HealthRepository } from '../../src/modules/health/health.repository.js';
import { IdempotencyRepository } from '../../src/modules/idempotency/idempotency.repository.js';
import { SyncRecordsRepository } from '../../src/modules/import-report/sync-records.repository.js';
import { NotificationsRepository } from '../../src/modules/notifications/notifications.repository.js';
import { SweepLockRepository } from '../../src/modules/orchestration/engine/sweep-lock.repository.js';
import { OrchestrationChangesRepository } from '../../src/modules/orchestration/orchestration-changes.repository.js';
import { OrchestrationRepository } from '../../src/modules/orchestration/orchestration.repository.js';
import { ProviderAccountsRepository } from '../../src/modules/providers/accounts/provider-accounts.repository.js';
import { DestinationSnapshotsRepository } from '../../src/modules/providers/dedup/destination-snapshots.repository.js';
import { SyncLedgerRepository } from '../../src/modules/providers/ledger/sync-ledger.repository.js';
import { QuotaRepository } from '../../src/modules/providers/quota/quota.repository.js';
import { ArchivesRepository } from '../../src/modules/archives/archives.repository.js';
import { ArchiveSessionsRepository } from '../../src/modules/providers/archive/archive-sessions.repository.js';

/** One public method of a repository and how the generator calls it (or why it does not). */
export type SqlCall =
  { method: string; run: () => unknown; results?: unknown[][] } | { method: string; skip: string };

export interface RepositorySql {
  /** The repository's file, from the project root; its queries go to the same name with `.sql`. */
  file: string;
  calls: SqlCall[];
}

type MethodOf<R> = {
  [K in keyof R]: R[K] extends (...args: never[]) => unknown ? K : never;
}[keyof R] &
  string;
type Example<R, K extends MethodOf<R>> = R[K] extends (...args: infer A) => unknown
  ? A | { args: A; results: unknown[][] } | { skip: string }
  : never;

/**
 * A repository and an example call of each of its public methods. The type requires every public
 * method, so a new one does not compile (`npm run typecheck`, which CI runs; Jest does not check
 * types) until it has an example (or a reason to have none). An overloaded method is checked
 * against its last signature.
 */
function repository<R extends object>(
  file: string,
  instance: R,
  examples: NoInfer<{ [K in MethodOf<R>]: Example<R, K> }>,
): RepositorySql {
  const calls = Object.entries(examples).map(([method, example]): SqlCall => {
    if (example && typeof example === 'object' && 'skip' in example)
      return { method, skip: String(example.skip) };
    const { args, results } = Array.isArray(example)
      ? { args: example as unknown[], results: undefined }
      : (example as { args: unknown[]; results: unknown[][] });
    const fn = (instance as Record<string, (...a: unknown[]) => unknown>)[method];
    return { method, run: () => fn.apply(instance, args), results };
  });
  return { file, calls };
}

/** A stand-in for a parameter typed as a whole row or record: the query reads only the fields given. */
const row = (fields: object): never => fields as never;

const ID = '00000000-0000-4000-8000-000000000001';
const OTHER = '00000000-0000-4000-8000-000000000002';
const AT = new Date('2026-01-01T00:00:00Z');
const ERROR: ErrorInfo = { code: 'PROVIDER_UNAVAILABLE', message: 'Strava answered 503', retryable: true };
const REASON = { code: 'PROVIDER_RECORD_ERROR', message: 'the record was refused' };
const SEALED = { accessToken: 'sealed', refreshToken: 'sealed', expiresAt: AT, scopes: ['read'] };

/** Every repository of src/ with an example call of each public method (scripts/sql-sync.ts). */
export function sqlExamples(db: Kysely<DB>): RepositorySql[] {
  const config = { jobs: { schema: 'pgboss' } } as AppConfig;
  const jobs = new JobsRepository(db, config);
  return [
    repository('src/common/rate-limit/rate-limit.repository.ts', new RateLimitRepository(db), {
      query: { skip: "runs rate-limiter-flexible's own statements, as the library sends them" },
    }),
    // a module of functions: each exported function is a "method" of it
    repository(
      'src/database/advisory-lock.repository.ts',
      { withSessionLock },
      {
        withSessionLock: { args: [db, 'a-lock', async () => 1], results: [[{ locked: true }]] },
      },
    ),
    repository('src/jobs/jobs.repository.ts', jobs, {
      jobsIn: { skip: 'a subquery the other repositories join (see admin.repository.sql)' },
      cancelIfRetrying: [db, 'chunk.process', ID],
      deleteJobs: [db, 'chunk.process', [ID, OTHER]],
      queueCounts: [['chunk.process', 'notification.deliver']],
    }),
    repository('src/modules/admin/admin.repository.ts', new AdminRepository(db, jobs), {
      deadLetters: [['chunk.process.dlq'], 50, ID],
      failedChunkDeadLetters: [50, [ID]],
    }),
    repository('src/modules/analytics/analytics.repository.ts', new AnalyticsRepository(db), {
      insert: [
        [
          {
            type: 'SYNC_STARTED',
            user_id: ID,
            orchestration_id: OTHER,
            properties: JSON.stringify({ chunks: 12 }),
          },
        ],
      ],
      summary: [AT, new Date('2026-02-01T00:00:00Z')],
    }),
    repository('src/modules/audit/audit-log.repository.ts', new AuditLogRepository(db), {
      write: [
        {
          adminId: ID,
          action: 'dead-letters.retried',
          target: OTHER,
          details: { count: 2 },
          requestId: 'req-1',
        },
      ],
    }),
    repository('src/modules/chunks/chunk-repair.repository.ts', new ChunkRepairRepository(db, jobs), {
      statusCounts: [db, ID],
      findOrphans: [60],
      findStrandedRunning: [60],
      takeBackRetryingJob: [db, ID],
      reassignJob: [db, ID, OTHER],
      setStatus: [db, ID, ['RUNNING'], 'PENDING'],
    }),
    repository('src/modules/chunks/chunks.repository.ts', new ChunksRepository(db), {
      insertMany: [
        db,
        [
          {
            orchestration_id: ID,
            idx: 0,
            start_date: '2026-01-01',
            end_date: '2026-01-31',
            job_id: OTHER,
            updated_at: AT,
          },
        ],
      ],
      lockContext: [db, ID],
      findContext: [ID],
      startRun: [db, { id: ID, orchestrationId: OTHER, userId: ID }, ID, 2],
      saveProgress: [ID, OTHER, row({ cursor: 'page-2' })],
      completeRun: [db, ID, OTHER, ID, row({ read: 3, imported: 2, skipped: 1 })],
      release: [db, ID, OTHER, { error: ERROR, newJobId: ID, giveBackAttempt: true, transientSince: AT }],
      fail: [db, ID, OTHER, ERROR],
      failUnfinished: [db, ID, ERROR],
      detachJob: [ID, OTHER],
      list: [ID, { status: 'FAILED', afterIndex: 3, limit: 50 }],
      resetToPending: [db, ID, ['FAILED'], { withoutJob: true, ids: [OTHER] }],
      cancelPending: [db, ID],
      detachPendingJobs: [db, ID],
    }),
    repository('src/modules/chunks/fair-share.repository.ts', new FairShareRepository(db), {
      reserve: [db, ID, 12],
      setTags: [db, ID, [ID, OTHER], [1, 2]],
      queuedByTag: { args: [], results: [[], [{ n: 0 }], []] },
      completedPerWindow: { args: [AT, 900_000], results: [[]] },
      running: [],
      initialChunksSince: [AT, AT],
    }),
    repository(
      'src/modules/connection-store/connection-store.repository.ts',
      new ConnectionStoreRepository(db),
      {
        create: [
          {
            user_id: ID,
            source_provider: 'fitbit',
            source_account_id: ID,
            source_external_user_id: 'g-1',
            destination_provider: 'strava',
            destination_account_id: OTHER,
            destination_external_user_id: '42',
            timezone: 'Europe/Berlin',
          },
        ],
        findForUser: [ID, OTHER],
        findById: [ID],
        listForUser: [ID, 50, OTHER],
        markDeleted: [ID],
        reauthOf: [[ID, OTHER]],
        usingAccount: [ID],
        initialSyncs: [[ID, OTHER]],
      },
    ),
    repository('src/modules/connections/oauth-state.repository.ts', new OAuthStateRepository(db), {
      insert: [
        {
          stateHash: 'hash',
          userId: ID,
          provider: 'strava',
          redirectUri: 'syncwell://oauth',
          codeVerifier: 'v',
          expiresAt: AT,
        },
      ],
      take: ['hash', ID, 'strava', 'syncwell://oauth'],
    }),
    repository('src/modules/entitlements/entitlements.repository.ts', new EntitlementsRepository(db), {
      find: [ID],
      upsert: [ID, 'PRO', null],
    }),
    repository('src/modules/health/health.repository.ts', new HealthRepository(db), { ping: [] }),
    repository('src/modules/idempotency/idempotency.repository.ts', new IdempotencyRepository(db), {
      find: [ID, 'key'],
      tryLock: [db, ID, 'key'],
      insert: [
        db,
        {
          user_id: ID,
          key: 'key',
          request_hash: 'h',
          response_status: 201,
          response_body: {},
          response_headers: {},
        },
        24,
      ],
      deleteExpired: [],
    }),
    repository('src/modules/import-report/sync-records.repository.ts', new SyncRecordsRepository(db), {
      importSettings: [ID],
      see: [ID, OTHER, [{ sourceRecordId: 'r1', sortTime: AT, startTime: AT, sportType: 'Run' }]],
      settle: [ID, 'r1', row({ status: 'IMPORTED', reason: null })],
      failUnsettled: [db, { orchestrationId: ID, chunkId: OTHER }, REASON],
      noteFault: [ID, 'r1', REASON],
      faults: [ID],
      resetFaults: [db, [ID]],
      outcomes: [ID],
      chunkCounts: [ID],
      ledgerByKey: [['key']],
      list: [ID, { status: 'FAILED', chunkId: OTHER, limit: 50 }],
    }),
    repository('src/modules/notifications/notifications.repository.ts', new NotificationsRepository(db), {
      countOtherDevices: [db, ID, 'token'],
      upsertDevice: [ID, 'ios', 'token'],
      deleteDevice: [ID, OTHER],
      devicesOf: [db, ID],
      insertNotification: [
        db,
        { userId: ID, orchestrationId: OTHER, round: 1, code: 'N-05', title: 'Done', body: 'All synced' },
      ],
      insertDeliveries: [db, ID, [row({ id: OTHER, platform: 'ios' })]],
      findNotification: [ID],
      deliveriesToSend: [ID],
      claimForSending: [ID],
      settle: [ID, 'SENT', { providerMessageId: 'm1' }],
      listForUser: [ID, 50, OTHER],
      deliveriesOf: [[ID, OTHER]],
    }),
    repository('src/modules/orchestration/engine/sweep-lock.repository.ts', new SweepLockRepository(db), {
      withSweepLock: { args: [async () => 1], results: [[{ locked: true }]] },
    }),
    repository(
      'src/modules/orchestration/orchestration-changes.repository.ts',
      new OrchestrationChangesRepository(config),
      {
        listen: {
          skip: 'LISTEN orchestration_changed on a connection of its own (node-postgres, not Kysely)',
        },
      },
    ),
    repository('src/modules/orchestration/orchestration.repository.ts', new OrchestrationRepository(db), {
      insert: [
        db,
        {
          user_id: ID,
          connection_id: OTHER,
          kind: 'HISTORICAL',
          source_provider: 'fitbit',
          destination_provider: 'strava',
          range_preset: 'LAST_YEAR',
          start_date: '2025-01-01',
          end_date: '2025-12-31',
          status: 'PENDING',
          total_chunks: 12,
          estimated_seconds: 3600,
          duplicate_policy: 'SKIP',
        },
      ],
      findById: [ID],
      lockForUser: [db, ID, OTHER],
      lock: [db, ID],
      findActiveHistorical: [ID],
      countActiveHistoricalForUser: [db, ID],
      listActiveForConnection: [db, ID],
      listForUser: [ID, { status: 'COMPLETED', limit: 50, afterId: OTHER }],
      addToCounters: [db, ID, { completed: 1 }],
      setWaiting: [db, ID, row({ reason: 'RATE_LIMITED', provider: 'strava', retryAt: AT })],
      failedOnlyByRecordFaults: [db, ID],
      lastChunkError: [db, ID],
      setCounters: [db, ID, 10, 2],
      transition: [db, ID, ['IN_PROGRESS'], 'PAUSED', { pauseReason: 'REAUTH_REQUIRED', lastError: ERROR }],
      findReauthPausedResumable: [],
      insertCompletion: [db, row({ id: ID, user_id: OTHER, round: 1, status: 'COMPLETED' })],
      findUnfinalized: [],
      findCounterDrift: [],
    }),
    repository(
      'src/modules/providers/accounts/provider-accounts.repository.ts',
      new ProviderAccountsRepository(db),
      {
        find: [ID],
        lock: [db, ID],
        upsert: [db, { userId: ID, provider: 'strava', externalUserId: '42' }, SEALED as never],
        withRefreshLock: { args: [ID, async () => 1], results: [[{ locked: true }]] },
        saveRefreshed: [ID, SEALED as never, 3],
        markRevoked: [ID, 3],
      },
    ),
    repository(
      'src/modules/providers/dedup/destination-snapshots.repository.ts',
      new DestinationSnapshotsRepository(db),
      {
        find: [ID],
        save: [ID, [row({ id: '1', startTime: AT.getTime(), sportType: 'Run' })]],
        withLock: { args: [ID, async () => 1], results: [[{ locked: true }]] },
      },
    ),
    repository('src/modules/providers/ledger/sync-ledger.repository.ts', new SyncLedgerRepository(db), {
      // no row from the insert: the key was claimed before, the re-claim runs too
      claim: {
        args: [{ connectionId: ID, orchestrationId: OTHER, chunkId: ID }, 'r1', 'key'],
        results: [[]],
      },
      release: [{ connectionId: ID, orchestrationId: OTHER, chunkId: ID }, 'key'],
      markWritten: ['key', '123'],
      markSkipped: [{ connectionId: ID, orchestrationId: OTHER, chunkId: ID }, 'r1', 'key', 'DUPLICATE'],
    }),
    repository('src/modules/providers/quota/quota.repository.ts', new QuotaRepository(db), {
      acquire: {
        args: [[{ key: 'strava:app:15m', provider: 'strava', limit: 200, windowMs: 900_000 }], AT.getTime()],
        results: [[], [{ bucket: 'strava:app:15m', window_index: 0, used: 0, blocked_until: null }]],
      },
      observe: [
        [[{ key: 'strava:app:15m', provider: 'strava', limit: 200, windowMs: 900_000 }, 17]],
        AT.getTime(),
      ],
      block: [['strava:app:15m'], AT],
    }),
    repository('src/modules/archives/archives.repository.ts', new ArchivesRepository(db), {
      create: [{ id: ID, userId: 'u1', filename: 'export.zip', sizeBytes: 1024, expiresAt: AT }],
      findForUser: [ID, 'u1', 30],
      listForUser: ['u1', 30, 21, OTHER],
      markUploaded: [db, ID, 1024],
      startScan: [ID],
      scanProgress: [ID, 200],
      finishScan: [
        ID,
        {
          status: 'READY',
          format: 'ACTIVITY_FILES',
          sessionsFound: 12,
          firstDate: '2024-01-02',
          lastDate: '2025-06-30',
          problems: [{ entry: 'broken.fit', code: 'INVALID_RECORD', message: 'not a FIT file' }],
        },
      ],
      markDeleted: [db, ID],
      connectionsReading: [ID],
      due: [30, 100],
      withRetentionLock: { args: [async () => 1], results: [[{ locked: true }]] },
      deletedSince: [AT, 1000],
    }),
    repository(
      'src/modules/providers/archive/archive-sessions.repository.ts',
      new ArchiveSessionsRepository(db),
      {
        span: [ID],
        count: [ID, { startDate: '2025-01-01', endDate: '2025-01-31', undated: false }],
        page: [
          ID,
          { startDate: '2025-01-01', endDate: '2025-01-31', undated: true },
          { start: AT.toISOString(), id: 'r1' },
          200,
        ],
        insert: [
          ID,
          [
            {
              recordId: 'r1',
              entry: 'a.fit',
              start: AT,
              localDate: '2026-01-01',
              session: Buffer.from('gz'),
              invalid: null,
            },
          ],
        ],
        clear: [ID],
      },
    ),
  ];
}
