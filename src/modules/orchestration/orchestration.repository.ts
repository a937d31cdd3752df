import { Injectable } from '@nestjs/common';
import { sql, type Kysely, type Selectable } from 'kysely';
import { InjectDb } from '../../database/database.tokens.js';
import type {
  DB,
  ErrorInfo,
  NewOrchestration,
  Orchestration,
  OrchestrationCompletionsTable,
  OrchestrationStatus,
  PauseReason,
  SyncWaiting,
} from '../../database/schema.js';
import type { Executor } from '../../database/transaction.js';

import { ACTIVE_STATUSES } from './orchestration-state.js';

export type Completion = Selectable<OrchestrationCompletionsTable>;

/** SQL of `orchestrations` and `orchestration_completions`. Counters only ever move by atomic SQL. */
@Injectable()
export class OrchestrationRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  insert(executor: Executor, values: Omit<NewOrchestration, 'updated_at'>): Promise<Orchestration> {
    return executor
      .insertInto('orchestrations')
      .values({ ...values, updated_at: sql`now()` })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  findById(id: string, executor: Executor = this.db): Promise<Orchestration | undefined> {
    return executor.selectFrom('orchestrations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Locks the caller's orchestration for a state transition. */
  lockForUser(executor: Executor, id: string, userId: string): Promise<Orchestration | undefined> {
    return executor
      .selectFrom('orchestrations')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .forUpdate()
      .executeTakeFirst();
  }

  lock(executor: Executor, id: string): Promise<Orchestration | undefined> {
    return executor
      .selectFrom('orchestrations')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
  }

  findActiveHistorical(
    connectionId: string,
    executor: Executor = this.db,
  ): Promise<Orchestration | undefined> {
    return executor
      .selectFrom('orchestrations')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('kind', '=', 'HISTORICAL')
      .where('status', 'in', ACTIVE_STATUSES)
      .executeTakeFirst();
  }

  /**
   * Counts the user's active HISTORICAL syncs after taking a per-user transaction lock, so two
   * concurrent starts by one user cannot both pass the cap.
   */
  async countActiveHistoricalForUser(executor: Executor, userId: string): Promise<number> {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`historical-cap:${userId}`}, 0))`.execute(
      executor,
    );
    const row = await executor
      .selectFrom('orchestrations')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_id', '=', userId)
      .where('kind', '=', 'HISTORICAL')
      .where('status', 'in', ACTIVE_STATUSES)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Locks and returns a connection's orchestrations in `statuses` (active ones by default), in id order. */
  listActiveForConnection(
    executor: Executor,
    connectionId: string,
    statuses: OrchestrationStatus[] = ACTIVE_STATUSES,
  ): Promise<Orchestration[]> {
    return executor
      .selectFrom('orchestrations')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('status', 'in', statuses)
      .orderBy('id')
      .forUpdate()
      .execute();
  }

  /** Newest first; `afterId` is the last id of the previous page. */
  listForUser(userId: string, filter: { status?: OrchestrationStatus; limit: number; afterId?: string }) {
    let query = this.db.selectFrom('orchestrations').selectAll().where('user_id', '=', userId);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.afterId) {
      query = query.where(
        sql<boolean>`(created_at, id) < (SELECT created_at, id FROM orchestrations WHERE id = ${filter.afterId})`,
      );
    }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  }

  addToCounters(
    executor: Executor,
    id: string,
    delta: { completed?: number; failed?: number },
  ): Promise<Orchestration> {
    return executor
      .updateTable('orchestrations')
      .set({
        completed_chunks: sql`completed_chunks + ${delta.completed ?? 0}`,
        failed_chunks: sql`failed_chunks + ${delta.failed ?? 0}`,
        waiting: null, // a chunk ended: whatever it waited for answered
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /**
   * Its next chunk waits for a provider (an outage, a spent quota) until `retryAt`: `waiting` says
   * so, keeping `since` while it waits for the same reason and provider. Active syncs only.
   */
  async setWaiting(
    executor: Executor,
    id: string,
    waiting: { reason: SyncWaiting['reason']; provider: string; retryAt: Date | null },
  ): Promise<void> {
    const now = new Date().toISOString();
    await executor
      .updateTable('orchestrations')
      .set({
        waiting: sql`jsonb_build_object(
          'reason', ${waiting.reason}::text,
          'provider', ${waiting.provider}::text,
          'since', CASE WHEN waiting->>'reason' = ${waiting.reason} AND waiting->>'provider' = ${waiting.provider}
                        THEN waiting->'since' ELSE to_jsonb(${now}::text) END,
          'retryAt', ${waiting.retryAt?.toISOString() ?? null}::text)`,
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .where('status', 'in', ['PENDING', 'IN_PROGRESS'])
      .execute();
  }

  /**
   * Every failed chunk of it failed on record faults (PROVIDER_RECORD_ERROR): its other records were
   * imported, so even with no chunk completed the sync ended with errors, not FAILED.
   */
  async failedOnlyByRecordFaults(executor: Executor, id: string): Promise<boolean> {
    const row = await executor
      .selectFrom('chunks')
      .select(sql<boolean | null>`bool_and(last_error->>'code' = 'PROVIDER_RECORD_ERROR')`.as('only'))
      .where('orchestration_id', '=', id)
      .where('status', '=', 'FAILED')
      .executeTakeFirst();
    return row?.only === true;
  }

  /**
   * The error of its most recently failed chunk, with how many failed: an ended sync's `lastError`
   * when some chunks failed one by one.
   */
  async lastChunkError(executor: Executor, id: string): Promise<ErrorInfo | null> {
    const row = await executor
      .selectFrom('chunks')
      .select(['idx', 'start_date', 'end_date', 'last_error'])
      .select(sql<number>`count(*) OVER ()::int`.as('failed'))
      .where('orchestration_id', '=', id)
      .where('status', '=', 'FAILED')
      .orderBy('finished_at', (ob) => ob.desc().nullsLast())
      .orderBy('idx', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!row) return null;
    const error = row.last_error ?? { code: 'CHUNK_FAILED', message: 'The chunk failed', retryable: true };
    const chunks = row.failed === 1 ? '1 chunk' : `${row.failed} chunks`;
    return {
      ...error,
      message: `${chunks} failed; the last, ${row.start_date} to ${row.end_date}: ${error.message}`.slice(
        0,
        1000,
      ),
    };
  }

  setCounters(executor: Executor, id: string, completed: number, failed: number): Promise<Orchestration> {
    return executor
      .updateTable('orchestrations')
      .set({ completed_chunks: completed, failed_chunks: failed, updated_at: sql`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Moves the status only from one of `from`; undefined when the row was not in one of them. */
  transition(
    executor: Executor,
    id: string,
    from: OrchestrationStatus[],
    to: OrchestrationStatus,
    extra: {
      completed?: boolean;
      lastError?: ErrorInfo | null;
      newRound?: boolean;
      /** Why it is paused (to PAUSED only; default USER). Any other status clears it. */
      pauseReason?: PauseReason;
    } = {},
  ): Promise<Orchestration | undefined> {
    return executor
      .updateTable('orchestrations')
      .set({
        status: to,
        pause_reason: to === 'PAUSED' ? (extra.pauseReason ?? 'USER') : null,
        waiting: null,
        updated_at: sql`now()`,
        ...(extra.completed !== undefined ? { completed_at: extra.completed ? sql`now()` : null } : {}),
        ...(extra.lastError !== undefined
          ? { last_error: extra.lastError ? JSON.stringify(extra.lastError) : null }
          : {}),
        ...(extra.newRound ? { round: sql`round + 1`, round_started_at: sql`now()` } : {}),
      })
      .where('id', '=', id)
      .where('status', 'in', from)
      .returningAll()
      .executeTakeFirst();
  }

  /**
   * Syncs paused for REAUTH_REQUIRED whose connection's accounts are all ACTIVE again (a resume
   * that a crash or a race left undone); the sweep resumes them.
   */
  async findReauthPausedResumable(limit = 200): Promise<string[]> {
    const rows = await this.db
      .selectFrom('orchestrations as o')
      .innerJoin('connections as c', 'c.id', 'o.connection_id')
      .select('o.id')
      .where('o.status', '=', 'PAUSED')
      .where('o.pause_reason', '=', 'REAUTH_REQUIRED')
      .where('c.status', '=', 'ACTIVE')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('provider_accounts as a')
              .select('a.id')
              .where('a.status', '=', 'REVOKED')
              .where((eb) =>
                eb.or([
                  eb('a.id', '=', eb.ref('c.source_account_id')),
                  eb('a.id', '=', eb.ref('c.destination_account_id')),
                ]),
              ),
          ),
        ),
      )
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Records a completion once per (orchestration, round); undefined when it was already recorded. */
  insertCompletion(executor: Executor, o: Orchestration): Promise<Completion | undefined> {
    return executor
      .insertInto('orchestration_completions')
      .values({
        orchestration_id: o.id,
        round: o.round,
        status: o.status,
        total_chunks: o.total_chunks,
        completed_chunks: o.completed_chunks,
        failed_chunks: o.failed_chunks,
      })
      .onConflict((oc) => oc.columns(['orchestration_id', 'round']).doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  /** Active orchestrations whose chunks are all terminal, yet not finalized. */
  async findUnfinalized(limit = 200): Promise<string[]> {
    const rows = await this.db
      .selectFrom('orchestrations as o')
      .select('o.id')
      .where('o.status', 'in', ACTIVE_STATUSES)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('chunks as c')
              .select('c.id')
              .whereRef('c.orchestration_id', '=', 'o.id')
              .where('c.status', 'in', ['PENDING', 'RUNNING']),
          ),
        ),
      )
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Orchestrations whose counters disagree with their chunk rows. */
  async findCounterDrift(limit = 200): Promise<string[]> {
    const { rows } = await sql<{ id: string }>`
      SELECT o.id
      FROM orchestrations o
      JOIN LATERAL (
        SELECT count(*) FILTER (WHERE c.status = 'COMPLETED') AS completed,
               count(*) FILTER (WHERE c.status = 'FAILED') AS failed
        FROM chunks c WHERE c.orchestration_id = o.id
      ) k ON true
      WHERE o.updated_at < now() - interval '5 seconds'
        AND (o.status IN ('PENDING', 'IN_PROGRESS', 'PAUSED') OR o.updated_at > now() - interval '1 day')
        AND (o.completed_chunks <> k.completed OR o.failed_chunks <> k.failed)
      LIMIT ${limit}
    `.execute(this.db);
    return rows.map((r) => r.id);
  }
}
