import type { Logger } from '@nestjs/common';
import { startOfCivilDate } from '../../../common/time-zone.js';
import { addDays } from '../../../common/civil-date.js';
import type { DuplicatePolicy, ProviderName } from '../../../database/schema.js';
import { ChunkError, RECORD_FAULT_CODE } from '../../chunks/chunk-errors.js';
import { ProviderError, ProviderUnavailableError } from '../provider-errors.js';
import {
  type SyncRecordsRepository,
  type SeenRecord,
  type SyncRecordRow,
} from '../../records/sync-records.repository.js';
import type { CanonicalSession, FaultedRead, SourceRecord } from '../canonical/canonical-session.js';
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
import type {
  AccountRef,
  ActivityWindow,
  PendingWrite,
  ProviderConnector,
  WriteResult,
} from '../provider-connector.js';
import type { DestinationSnapshotService } from '../dedup/destination-snapshot.service.js';
import { RecordRejectedError } from '../record-rejected.error.js';

/** A write an earlier run may have made (a CLAIMED ledger entry): the destination has no handle of ours on it. */
const EARLIER_WRITE: PendingWrite = { pending: true, ref: '', at: 0 };

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

type Valid = {
  record: SourceRecord;
  session: CanonicalSession;
  key: string;
  /** CLAIMED in the ledger: an earlier run may have written it. */
  recovering: boolean;
  /** The destination was already searched for that earlier write, and it is not there. */
  looked?: boolean;
};

/**
 * A record's fate in one chunk run, written to the import report (sync_record) before the ledger is
 * told (so a crash between the two leaves a CLAIMED ledger entry that the next run recovers, never a
 * report that forgot a write). With the SKIP policy the destination's window is listed once per run,
 * widened by a margin, and every source record is matched against it before anything is written.
 */
export class ChunkImport {
  private existing?: ActivityFacts[];
  /** Destination ids already paired with a source record of this chunk (one to one). */
  private readonly taken = new Set<string>();
  /** Destination ids this run wrote, with the source record each came from. */
  private readonly importedHere = new Map<string, string>();
  /** Writes the destination took and has not confirmed yet (settled at the end of their page). */
  private readonly unconfirmed: Array<{ item: Valid; recovering: boolean; pending: PendingWrite }> = [];
  /** Records this run left waiting for another try after a record fault. */
  waiting = 0;
  /** Every source record this run was given. */
  readonly seen = new Set<string>();

  constructor(
    private readonly input: ChunkImportInput,
    private readonly policy: DuplicatePolicy,
    private readonly ledger: SyncLedgerRepository,
    private readonly records: SyncRecordsRepository,
    private readonly snapshots: DestinationSnapshotService,
    private readonly logger: Logger,
  ) {}

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
    pending = await this.recover(pending);
    if (this.policy === 'IMPORT') {
      for (const item of pending) await this.write(item);
      await this.confirmPending();
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
      outcome.set(item.record.id, match ? await this.skipDuplicate(item, match) : await this.write(item));
    }
    for (const [id, destinationId] of await this.confirmPending()) outcome.set(id, destinationId);
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

  /**
   * Records an earlier run claimed (it may have written them, then stopped before its
   * bookkeeping): looked for at the destination together, one list for the page, where the
   * destination can (findWrites). Those found are settled as written; the rest are written
   * without looking again. Returns the records still to write.
   */
  private async recover(pending: Valid[]): Promise<Valid[]> {
    const { destination, to, signal } = this.input;
    const claimed = pending.filter((p) => p.recovering);
    if (claimed.length === 0) return pending;
    if (destination.confirmWrites) {
      // looked for by the page's confirmation, with what this run writes: one list for both
      for (const item of claimed) this.unconfirmed.push({ item, recovering: true, pending: EARLIER_WRITE });
      return pending.filter((p) => !p.recovering);
    }
    if (!destination.findWrites) return pending;
    const found = await destination.findWrites(
      to,
      claimed.map((p) => ({ key: p.key, session: p.session })),
      signal,
    );
    const left: Valid[] = [];
    for (const item of pending) {
      const destinationId = item.recovering ? found.get(item.key) : undefined;
      if (destinationId) await this.written(item, true, { destinationId, duplicate: true });
      else left.push(item.recovering ? { ...item, looked: true } : item);
    }
    return left;
  }

  /** Rows whose outcome a rerun keeps: IMPORTED (repairing the ledger if a crash cut it short) and matched duplicates. */
  private async alreadySettled(id: string, row: SyncRecordRow, ledger: string | undefined): Promise<boolean> {
    if (row.status === 'IMPORTED' && row.destination_id) {
      this.taken.add(row.destination_id);
      if (ledger !== 'WRITTEN') await this.ledger.markWritten(this.keyOf(id), row.destination_id);
      return true;
    }
    if (row.status === 'SKIPPED_DUPLICATE' && row.reason_code !== 'ALREADY_SYNCED') {
      if (row.duplicate_of_id) this.taken.add(row.duplicate_of_id);
      return true;
    }
    // failed for good with a record fault in this round: it stays FAILED until retry-failed
    return row.status === 'FAILED' && row.reason_code === RECORD_FAULT_CODE && row.fault_count > 0;
  }

  /**
   * A record fault: this record's own request failed every try while its provider answered the
   * rest. The try is counted; the record waits for the chunk's next run (RecordsDeferredError), or,
   * its tries spent, is settled FAILED. The chunk's other records go on either way.
   */
  private async recordFault(id: string, fault: FaultedRead, doing: string): Promise<void> {
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
   * Claim, write, report, ledger. Returns the destination id, null when the destination refused
   * it, or undefined while its write waits for confirmation (see confirmPending).
   */
  private async write(item: Valid): Promise<string | null | undefined> {
    const { scope, destination, to, signal } = this.input;
    const id = item.record.id;
    try {
      const earlier = await this.ledger.claim(scope, id, item.key);
      if (earlier?.status === 'WRITTEN') {
        await this.settle(id, {
          status: 'SKIPPED_DUPLICATE',
          reason: { code: 'ALREADY_SYNCED', message: 'An earlier sync already imported this record' },
          duplicateOfId: earlier.destination_id,
        });
        return earlier.destination_id;
      }
      // only a CLAIMED entry means an earlier attempt may have written it (SKIPPED ones never were)
      const recovering = earlier?.status === 'CLAIMED';
      const result = await destination.write(to, item.session, item.key, {
        recovering: recovering && !item.looked,
        signal,
      });
      if ('pending' in result) {
        this.unconfirmed.push({ item, recovering, pending: result });
        return undefined;
      }
      return await this.written(item, recovering, result);
    } catch (error) {
      return this.writeFailed(item, error);
    }
  }

  /**
   * Settles the writes the destination took but had not processed (Strava uploads), together:
   * one confirmation for the page. A write the confirmation cannot settle stays CLAIMED in the
   * ledger, so the next run looks for it before writing again. Returns each record's destination id.
   */
  private async confirmPending(): Promise<Map<string, string | null>> {
    const ids = new Map<string, string | null>();
    const { destination, to, signal } = this.input;
    // a second round confirms what the first found missing and this run then wrote
    for (let round = 0; round < 2 && this.unconfirmed.length > 0; round++) {
      const batch = this.unconfirmed.splice(0);
      const results = await destination.confirmWrites!(
        to,
        batch.map(({ item, pending }) => ({
          key: item.key,
          start: item.session.start,
          pending,
          session: item.session,
        })),
        signal,
      );
      const missing: Valid[] = [];
      for (const { item, recovering, pending } of batch) {
        const result = results.get(item.key);
        if (!result) {
          // an earlier run's claim the destination does not hold: written now; else unsettled (CLAIMED)
          if (pending === EARLIER_WRITE) missing.push(item);
          continue;
        }
        try {
          if (result instanceof Error) throw result;
          ids.set(item.record.id, await this.written(item, recovering, result));
        } catch (error) {
          ids.set(item.record.id, await this.writeFailed(item, error));
        }
      }
      for (const item of missing) {
        const id = await this.write({ ...item, looked: true });
        if (id !== undefined) ids.set(item.record.id, id);
      }
    }
    return ids;
  }

  /** A write the destination confirmed: the report, then the ledger. */
  private async written(item: Valid, recovering: boolean, result: WriteResult): Promise<string> {
    const id = item.record.id;
    if (result.duplicate && !recovering) {
      // not an attempt of ours that crashed: the destination says it already holds this workout
      // (Strava refuses an upload starting when another activity does, whatever the policy)
      await this.settle(id, {
        status: 'SKIPPED_DUPLICATE',
        reason: {
          code: 'ALREADY_AT_DESTINATION',
          message: `${this.input.destination.provider} answered that it already holds this workout as record ${result.destinationId}`,
        },
        duplicateOfId: result.destinationId,
      });
    } else {
      await this.settle(id, { status: 'IMPORTED', destinationId: result.destinationId });
      this.importedHere.set(result.destinationId, id);
      this.existing?.push({ ...factsOf(item.session), id: result.destinationId });
    }
    this.taken.add(result.destinationId);
    await this.ledger.markWritten(item.key, result.destinationId);
    return result.destinationId;
  }

  /** A write that ended in an error: the record's fate, or the error the chunk ends on (rethrown). */
  private async writeFailed(item: Valid, error: unknown): Promise<null> {
    const { scope, destination, signal } = this.input;
    const id = item.record.id;
    if (error instanceof RecordRejectedError) {
      this.logger.warn(`the destination refused source record ${id}: ${error.reason}`);
      await this.settle(id, {
        status: 'FAILED',
        reason: { code: 'DESTINATION_REJECTED', message: error.reason },
      });
      await this.ledger.markSkipped(scope, id, item.key, error.reason);
      return null;
    }
    if (error instanceof ProviderUnavailableError && error.requestFault && !signal.aborted) {
      // its write keeps failing while the destination answers the rest; the ledger stays CLAIMED,
      // so the next try looks for an earlier write before writing (never twice)
      await this.recordFault(id, { provider: destination.provider, ...error.requestFault }, 'writing it');
      return null;
    }
    // an error the chunk fails on is this record's failure (until a retry); a transient fault, a
    // rate-limit wait, a revoked grant (the sync pauses) or a stop leaves it PENDING
    const failed =
      error instanceof ChunkError ||
      (error instanceof ProviderError && ['permission', 'auth_rejected'].includes(error.kind));
    if (failed && !signal.aborted)
      await this.settle(id, {
        status: 'FAILED',
        reason: { code: (error as ChunkError).code, message: (error as Error).message },
      });
    throw error;
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

  private settle(id: string, outcome: Parameters<SyncRecordsRepository['settle']>[2]): Promise<void> {
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
