import { Injectable } from '@nestjs/common';
import { sql, type Kysely, type Selectable } from 'kysely';
import { InjectDb } from '../../database/database.tokens.js';
import type {
  DB,
  DuplicatePolicy,
  LedgerStatus,
  SyncRecordStatus,
  SyncRecordTable,
} from '../../database/schema.js';
import type { Executor } from '../../database/transaction.js';

export type SyncRecordRow = Selectable<SyncRecordTable>;

/** The reason code of a record whose own request kept failing (a record fault). */
const RECORD_FAULT = 'PROVIDER_RECORD_ERROR';

/** A source record as the report first sees it (PENDING). */
export interface SeenRecord {
  sourceRecordId: string;
  /** Its start, or the chunk's start when it has none (the report's order). */
  sortTime: Date;
  startTime: Date | null;
  sportType: string | null;
}

export interface RecordOutcome {
  status: Exclude<SyncRecordStatus, 'PENDING'>;
  reason?: { code: string; message: string } | null;
  destinationId?: string | null;
  duplicateOfId?: string | null;
}

export interface ReportPosition {
  sortTime: Date;
  sourceRecordId: string;
}

/**
 * SQL of the import report (`sync_record`). The orchestration's `records_*` counts follow the rows
 * through triggers (migration 0007), so every write here keeps them equal to the report.
 */
@Injectable()
export class SyncRecordsRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  /** What an import needs of its orchestration: the duplicate policy and the sync's whole range. */
  async importSettings(
    orchestrationId: string,
  ): Promise<{ policy: DuplicatePolicy; startDate: string; endDate: string }> {
    const row = await this.db
      .selectFrom('orchestrations')
      .select(['duplicate_policy', 'start_date', 'end_date'])
      .where('id', '=', orchestrationId)
      .executeTakeFirstOrThrow();
    return { policy: row.duplicate_policy, startDate: row.start_date, endDate: row.end_date };
  }

  /**
   * Adds the records of a page as PENDING (a record seen before keeps its row and outcome) and
   * returns every one's row, by source record id.
   */
  async see(
    orchestrationId: string,
    chunkId: string,
    records: SeenRecord[],
  ): Promise<Map<string, SyncRecordRow>> {
    if (records.length === 0) return new Map();
    await this.db
      .insertInto('sync_record')
      .values(
        records.map((r) => ({
          orchestration_id: orchestrationId,
          source_record_id: r.sourceRecordId,
          chunk_id: chunkId,
          sort_time: r.sortTime,
          start_time: r.startTime,
          sport_type: r.sportType,
        })),
      )
      .onConflict((oc) => oc.columns(['orchestration_id', 'source_record_id']).doNothing())
      .execute();
    const rows = await this.db
      .selectFrom('sync_record')
      .selectAll()
      .where('orchestration_id', '=', orchestrationId)
      .where(
        'source_record_id',
        'in',
        records.map((r) => r.sourceRecordId),
      )
      .execute();
    return new Map(rows.map((r) => [r.source_record_id, r]));
  }

  async settle(orchestrationId: string, sourceRecordId: string, outcome: RecordOutcome): Promise<void> {
    await this.db
      .updateTable('sync_record')
      .set({
        status: outcome.status,
        reason_code: outcome.reason?.code ?? null,
        reason_message: outcome.reason?.message.slice(0, 1000) ?? null,
        destination_id: outcome.destinationId ?? null,
        duplicate_of_id: outcome.duplicateOfId ?? null,
        updated_at: new Date(),
      })
      .where('orchestration_id', '=', orchestrationId)
      .where('source_record_id', '=', sourceRecordId)
      .execute();
  }

  /**
   * The chunk failed for good: records it saw but never settled are FAILED with its error, in the
   * caller's transaction (a retry of the chunk settles them again). Undefined chunk: every unfinished
   * chunk of the orchestration (a fatal error).
   */
  async failUnsettled(
    executor: Executor,
    scope: { orchestrationId: string; chunkId?: string },
    reason: { code: string; message: string },
  ): Promise<void> {
    let query = executor
      .updateTable('sync_record')
      .set({
        status: 'FAILED',
        reason_code: reason.code,
        reason_message: reason.message.slice(0, 1000),
        updated_at: new Date(),
      })
      .where('orchestration_id', '=', scope.orchestrationId)
      .where('status', '=', 'PENDING');
    if (scope.chunkId) query = query.where('chunk_id', '=', scope.chunkId);
    await query.execute();
  }

  /**
   * One more failed try of a record's own request in this round (a record fault): PENDING again
   * (a FAILED record of an earlier round is being retried) with the reason shown, the try counted.
   */
  async noteFault(
    orchestrationId: string,
    sourceRecordId: string,
    reason: { code: string; message: string },
  ): Promise<{ count: number; since: Date }> {
    const row = await this.db
      .updateTable('sync_record')
      .set({
        status: 'PENDING',
        reason_code: reason.code,
        reason_message: reason.message.slice(0, 1000),
        fault_count: sql`fault_count + 1`,
        fault_since: sql`coalesce(fault_since, now())`,
        updated_at: sql`now()`,
      })
      .where('orchestration_id', '=', orchestrationId)
      .where('source_record_id', '=', sourceRecordId)
      .returning(['fault_count', 'fault_since'])
      .executeTakeFirstOrThrow();
    return { count: row.fault_count, since: row.fault_since! };
  }

  /**
   * The chunk's records with record faults: those still waiting for a try (PENDING; with their
   * tries and last failure) and those settled FAILED in this round.
   */
  async faults(chunkId: string): Promise<{
    waiting: Array<{ sourceRecordId: string; count: number; lastAt: Date }>;
    failed: Array<{ sourceRecordId: string; message: string }>;
  }> {
    const rows = await this.db
      .selectFrom('sync_record')
      .select(['source_record_id', 'status', 'fault_count', 'updated_at', 'reason_message'])
      .where('chunk_id', '=', chunkId)
      .where('fault_count', '>', 0)
      .where((eb) =>
        eb.or([
          eb('status', '=', 'PENDING'),
          eb.and([eb('status', '=', 'FAILED'), eb('reason_code', '=', RECORD_FAULT)]),
        ]),
      )
      .orderBy('sort_time')
      .orderBy('source_record_id')
      .execute();
    return {
      waiting: rows
        .filter((r) => r.status === 'PENDING')
        .map((r) => ({ sourceRecordId: r.source_record_id, count: r.fault_count, lastAt: r.updated_at })),
      failed: rows
        .filter((r) => r.status === 'FAILED')
        .map((r) => ({ sourceRecordId: r.source_record_id, message: r.reason_message ?? '' })),
    };
  }

  /** retry-failed: the records of these chunks start a new record-fault budget. */
  async resetFaults(executor: Executor, chunkIds: string[]): Promise<void> {
    if (chunkIds.length === 0) return;
    await executor
      .updateTable('sync_record')
      .set({ fault_count: 0, fault_since: null })
      .where('chunk_id', 'in', chunkIds)
      .where('fault_count', '>', 0)
      .execute();
  }

  /** A chunk's records that have an outcome (not PENDING), for the rerun of a chunk cut short. */
  async outcomes(chunkId: string): Promise<SyncRecordRow[]> {
    return this.db
      .selectFrom('sync_record')
      .selectAll()
      .where('chunk_id', '=', chunkId)
      .where('status', '<>', 'PENDING')
      .execute();
  }

  /** A chunk's counts, as its recordsRead/recordsWritten/recordsSkipped: the report's rows. */
  async chunkCounts(chunkId: string): Promise<{ read: number; imported: number; skipped: number }> {
    const row = await this.db
      .selectFrom('sync_record')
      .select([
        sql<number>`count(*)::int`.as('read'),
        sql<number>`count(*) FILTER (WHERE status = 'IMPORTED')::int`.as('imported'),
        sql<number>`count(*) FILTER (WHERE status IN ('SKIPPED_DUPLICATE', 'SKIPPED_INVALID'))::int`.as(
          'skipped',
        ),
      ])
      .where('chunk_id', '=', chunkId)
      .executeTakeFirstOrThrow();
    return row;
  }

  /**
   * What the sync ledger holds for these idempotency keys (read only; the ledger's writes stay in
   * SyncLedgerRepository). Tells a record this destination account already got from an earlier
   * sync apart from one a crashed attempt may have written.
   */
  async ledgerByKey(
    keys: string[],
  ): Promise<Map<string, { status: LedgerStatus; destinationId: string | null }>> {
    if (keys.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('sync_ledger')
      .select(['idempotency_key', 'status', 'destination_id'])
      .where('idempotency_key', 'in', keys)
      .execute();
    return new Map(
      rows.map((r) => [r.idempotency_key, { status: r.status, destinationId: r.destination_id }]),
    );
  }

  /** One page of the report, ordered by (sort_time, source_record_id), after `position`. */
  list(
    orchestrationId: string,
    filter: { status?: SyncRecordStatus; chunkId?: string; after?: ReportPosition; limit: number },
  ): Promise<SyncRecordRow[]> {
    let query = this.db
      .selectFrom('sync_record')
      .selectAll()
      .where('orchestration_id', '=', orchestrationId)
      .orderBy('sort_time')
      .orderBy('source_record_id')
      .limit(filter.limit);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.chunkId) query = query.where('chunk_id', '=', filter.chunkId);
    if (filter.after) {
      const { sortTime, sourceRecordId } = filter.after;
      query = query.where(sql<boolean>`(sort_time, source_record_id) > (${sortTime}, ${sourceRecordId})`);
    }
    return query.execute();
  }
}
