import type { Logger } from '@nestjs/common';
import { startOfCivilDate } from '../../../common/time-zone.js';
import { addDays } from '../../../common/civil-date.js';
import type { DuplicatePolicy, ProviderName } from '../../../database/schema.js';
import { RECORD_FAULT_CODE } from '../../chunks/chunk-errors.js';
import {
  type SyncRecordsRepository,
  type SeenRecord,
  type SyncRecordRow,
} from '../../import-report/sync-records.repository.js';
import type { FaultedRead, SourceRecord } from '../canonical/canonical-session.js';
import { validateSession } from '../canonical/validate-session.js';
import {
  assignMatches,
  DESTINATION_WINDOW_MARGIN_SECONDS,
  factsOf,
  mergeSourceDuplicates,
  type ActivityFacts,
  type Match,
} from '../dedup/duplicate-matcher.js';
import { recordKey, type SyncLedgerRepository, type LedgerScope } from '../ledger/sync-ledger.repository.js';
import type { AccountRef, ActivityWindow, ProviderConnector } from '../provider-connector.js';
import type { DestinationSnapshotService } from '../dedup/destination-snapshot.service.js';
import { RecordWrites, type RecordWritesHost, type Valid } from './record-writes.js';

/**
 * A record's row says it is done for this round: imported (with where), a duplicate of a record
 * the destination holds, or failed for good with a record fault (FAILED until retry-failed).
 */
function settled(row: SyncRecordRow): boolean {
  if (row.status === 'IMPORTED') return row.destination_id !== null;
  if (row.status === 'SKIPPED_DUPLICATE') return row.reason_code !== 'ALREADY_SYNCED';
  return row.status === 'FAILED' && row.reason_code === RECORD_FAULT_CODE && row.fault_count > 0;
}

/** One chunk run's fixed inputs. */
export interface ChunkImportInput {
  scope: LedgerScope;
  range: { startDate: string; endDate: string; timezone: string };
  /** The sync's whole range (civil dates in the range's time zone). */
  syncRange: { startDate: string; endDate: string };
  sourceProvider: ProviderName;
  destination: ProviderConnector;
  to: AccountRef;
  signal: AbortSignal;
  /** Tries of a record fault before the record is settled FAILED (RECORD_FAULT_ATTEMPTS). */
  recordFaultAttempts: number;
}

/**
 * A record's fate in one chunk run, written to the import report (sync_record) before the ledger is
 * told (so a crash between the two leaves a CLAIMED ledger entry that the next run recovers, never a
 * report that forgot a write). With the SKIP policy the destination's window is listed once per run,
 * widened by a margin, and every source record is matched against it before anything is written.
 */
export class ChunkImport implements RecordWritesHost {
  private existing?: ActivityFacts[];
  /** Destination ids already paired with a source record of this chunk (one to one). */
  readonly taken = new Set<string>();
  /** Destination ids this run wrote, with the source record each came from. */
  private readonly importedHere = new Map<string, string>();
  /** The write side: claims, writes, confirmations. */
  private readonly writes = new RecordWrites(this);
  /** Records this run left waiting for another try after a record fault. */
  waiting = 0;
  /** Every source record this run was given. */
  readonly seen = new Set<string>();

  constructor(
    readonly input: ChunkImportInput,
    private readonly policy: DuplicatePolicy,
    readonly ledger: SyncLedgerRepository,
    private readonly records: SyncRecordsRepository,
    private readonly snapshots: DestinationSnapshotService,
    readonly logger: Logger,
  ) {}

  /** A record this sync wrote: paired with its destination id, and a candidate for later matches. */
  imported(item: Valid, destinationId: string): void {
    this.importedHere.set(destinationId, item.record.id);
    this.existing?.push({ ...factsOf(item.session), id: destinationId });
  }

  /** Settles every record of a page (in the report and the ledger). */
  async importPage(page: SourceRecord[]): Promise<void> {
    const { scope } = this.input;
    const chunkStart = startOfCivilDate(this.input.range.timezone, this.input.range.startDate);
    const rows = await this.records.see(
      scope.orchestrationId,
      scope.chunkId,
      page.map((r) => seen(r, chunkStart)),
    );
    const keys = new Map(page.map((r) => [r.id, this.keyOf(r.id)]));
    const ledger = await this.records.ledgerByKey([...keys.values()]);
    let pending: Valid[] = [];
    for (const record of page) {
      const row = rows.get(record.id)!;
      const key = keys.get(record.id)!;
      const entry = ledger.get(key);
      this.seen.add(record.id);
      if (await this.alreadySettled(record.id, row, entry?.status)) continue;
      // a record an earlier sync already wrote needs no detail read: skipped below even if it failed
      if ('fault' in record && entry?.status !== 'WRITTEN') {
        await this.recordFault(record.id, record.fault, 'reading it');
        continue;
      }
      const problems =
        'invalid' in record ? [record.invalid] : 'fault' in record ? [] : validateSession(record.session);
      if (problems.length > 0) {
        const reason = `invalid source record: ${problems.join('; ')}`;
        this.logger.warn(`skipping source record ${record.id}: ${problems.join('; ')}`);
        await this.settle(record.id, {
          status: 'SKIPPED_INVALID',
          reason: { code: 'INVALID_RECORD', message: reason },
        });
        await this.ledger.markSkipped(scope, record.id, key, reason);
      } else if (entry?.status === 'WRITTEN') {
        // an earlier sync already put it there: skipped, with where it is
        if (entry.destinationId) this.taken.add(entry.destinationId);
        await this.settle(record.id, {
          status: 'SKIPPED_DUPLICATE',
          reason: { code: 'ALREADY_SYNCED', message: 'An earlier sync already imported this record' },
          duplicateOfId: entry.destinationId,
        });
      } else {
        const session = (record as Extract<SourceRecord, { session: unknown }>).session;
        pending.push({ record, session, key, recovering: entry?.status === 'CLAIMED' });
      }
    }
    pending = this.writes.recover(pending);
    if (this.policy === 'IMPORT') {
      for (const item of pending) await this.writes.write(item);
      await this.writes.confirmPending();
      return;
    }
    // a CLAIMED record may already be at the destination by our own hand: recovered, not matched
    const open = pending.filter((p) => !p.recovering);
    const mergedInto = mergeSourceDuplicates(open.map((p) => p.session));
    const candidates = open.filter((p) => !mergedInto.has(p.record.id)).map((p) => factsOf(p.session));
    const matches =
      candidates.length > 0
        ? assignMatches(candidates, await this.destinationWindow(), this.taken)
        : new Map<string, Match>();
    const outcome = new Map<string, string | null | undefined>();
    for (const item of pending.filter((p) => !mergedInto.has(p.record.id))) {
      const match = matches.get(item.record.id);
      outcome.set(
        item.record.id,
        match ? await this.skipDuplicate(item, match) : await this.writes.write(item),
      );
    }
    for (const [id, destinationId] of await this.writes.confirmPending()) outcome.set(id, destinationId);
    for (const item of pending.filter((p) => mergedInto.has(p.record.id))) {
      const keptId = mergedInto.get(item.record.id)!;
      const message = `Same workout as source record ${keptId}, which was kept (it has more data: track, heart rate)`;
      await this.settle(item.record.id, {
        status: 'SKIPPED_DUPLICATE',
        reason: { code: 'SOURCE_DUPLICATE', message },
        duplicateOfId: outcome.get(keptId) ?? null,
      });
      await this.ledger.markSkipped(scope, item.record.id, item.key, message);
    }
  }

  /** Rows whose outcome a rerun keeps: IMPORTED (repairing the ledger if a crash cut it short) and matched duplicates. */
  private async alreadySettled(id: string, row: SyncRecordRow, ledger: string | undefined): Promise<boolean> {
    if (!settled(row)) return false;
    if (row.status === 'IMPORTED' && row.destination_id) {
      this.taken.add(row.destination_id);
      if (ledger !== 'WRITTEN') await this.ledger.markWritten(this.keyOf(id), row.destination_id);
    }
    if (row.status === 'SKIPPED_DUPLICATE' && row.duplicate_of_id) this.taken.add(row.duplicate_of_id);
    return true;
  }

  /**
   * The chunk's records an earlier run settled for good (see `settled`): a rerun passes them again
   * without writing, so the source need not read their details (a Strava activity's streams).
   */
  async settledIds(): Promise<Set<string>> {
    const rows = await this.records.outcomes(this.input.scope.chunkId);
    return new Set(rows.filter(settled).map((r) => r.source_record_id));
  }

  /**
   * A record fault: this record's own request failed every try while its provider answered the
   * rest. The try is counted; the record waits for the chunk's next run (RecordsDeferredError), or,
   * its tries spent, is settled FAILED. The chunk's other records go on either way.
   */
  async recordFault(id: string, fault: FaultedRead, doing: string): Promise<void> {
    const answer =
      fault.status === null ? 'no answer (a timeout or a dropped connection)' : `HTTP ${fault.status}`;
    const message = `${fault.provider} answered ${answer} to ${fault.request} when ${doing}, while answering other requests`;
    const { count, since } = await this.records.noteFault(this.input.scope.orchestrationId, id, {
      code: RECORD_FAULT_CODE,
      message: `${message}; trying again`,
    });
    if (count < this.input.recordFaultAttempts) {
      this.waiting++;
      this.logger.warn(`source record ${id}: ${message} (try ${count} of ${this.input.recordFaultAttempts})`);
      return;
    }
    this.logger.warn(`source record ${id} failed: ${message}, ${count} tries`);
    await this.settle(id, {
      status: 'FAILED',
      reason: {
        code: RECORD_FAULT_CODE,
        message: `${message}: ${count} tries since ${since.toISOString()}`,
      },
    });
  }

  private async skipDuplicate(item: Valid, match: Match): Promise<string> {
    const { destination } = this.input;
    const ours = this.importedHere.get(match.id);
    const shift =
      match.shiftSeconds === 0 ? '' : ` (shifted by ${formatShift(match.shiftSeconds)}, a time-zone error)`;
    const reason = ours
      ? {
          code: 'SOURCE_DUPLICATE',
          message: `Same workout as source record ${ours}, imported by this sync${shift}`,
        }
      : {
          code: 'DUPLICATE_AT_DESTINATION',
          message: `${destination.provider} already has this workout as record ${match.id}${shift}`,
        };
    await this.settle(item.record.id, { status: 'SKIPPED_DUPLICATE', reason, duplicateOfId: match.id });
    await this.ledger.markSkipped(this.input.scope, item.record.id, item.key, reason.message);
    return match.id;
  }

  /**
   * The destination's activities around the chunk's range, once per run: from the sync's snapshot
   * (one listing of the whole range per sync; see DestinationSnapshotService).
   */
  private async destinationWindow(): Promise<ActivityFacts[]> {
    if (this.existing) return this.existing;
    const { range, syncRange, destination, to, signal, scope } = this.input;
    this.existing = await this.snapshots.activities({
      orchestrationId: scope.orchestrationId,
      syncWindow: withMargin(syncRange.startDate, syncRange.endDate, range.timezone),
      chunkWindow: withMargin(range.startDate, range.endDate, range.timezone),
      destination,
      to,
      signal,
    });
    return this.existing;
  }

  settle(id: string, outcome: Parameters<SyncRecordsRepository['settle']>[2]): Promise<void> {
    return this.records.settle(this.input.scope.orchestrationId, id, outcome);
  }

  private keyOf(sourceRecordId: string): string {
    return recordKey(
      { provider: this.input.destination.provider, externalUserId: this.input.to.externalUserId },
      { provider: this.input.sourceProvider, id: sourceRecordId },
    );
  }
}

/** Civil dates (inclusive) as instants, widened by the matcher's margin either side. */
function withMargin(startDate: string, endDate: string, timezone: string): ActivityWindow {
  const margin = DESTINATION_WINDOW_MARGIN_SECONDS * 1000;
  return {
    from: new Date(startOfCivilDate(timezone, startDate).getTime() - margin),
    to: new Date(startOfCivilDate(timezone, addDays(endDate, 1)).getTime() + margin),
    timezone,
  };
}

function seen(record: SourceRecord, chunkStart: Date): SeenRecord {
  if ('invalid' in record)
    return { sourceRecordId: record.id, sortTime: chunkStart, startTime: null, sportType: null };
  const summary = 'fault' in record ? record.fault : record.session;
  const start = new Date(summary.start ?? Number.NaN);
  const valid = Number.isFinite(start.getTime());
  return {
    sourceRecordId: record.id,
    sortTime: valid ? start : chunkStart,
    startTime: valid ? start : null,
    sportType: summary.kind ?? null,
  };
}

function formatShift(seconds: number): string {
  const sign = seconds < 0 ? '-' : '+';
  const minutes = Math.abs(seconds) / 60;
  return `${sign}${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}
