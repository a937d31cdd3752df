import type { Logger } from '@nestjs/common';
import type { SyncRecordsRepository } from '../../import-report/sync-records.repository.js';
import { ChunkError } from '../../chunks/chunk-errors.js';
import type { CanonicalSession, FaultedRead, SourceRecord } from '../canonical/canonical-session.js';
import type { SyncLedgerRepository } from '../ledger/sync-ledger.repository.js';
import type { PendingWrite, WriteResult } from '../provider-connector.js';
import { descriptorOf } from '../provider-descriptors.js';
import { ProviderError, ProviderRateLimitedError, ProviderUnavailableError } from '../provider-errors.js';
import { RecordRejectedError } from '../record-rejected.error.js';
import type { ChunkImportInput } from './chunk-import.js';

/** A source record ready to write: its session, its idempotency key, and its ledger state. */
export type Valid = {
  record: SourceRecord;
  session: CanonicalSession;
  key: string;
  /** CLAIMED in the ledger: an earlier run may have written it. */
  recovering: boolean;
  /** The destination was already searched for that earlier write, and it is not there. */
  looked?: boolean;
};

/** What the write side needs of the chunk import it serves. */
export interface RecordWritesHost {
  readonly input: ChunkImportInput;
  readonly ledger: SyncLedgerRepository;
  readonly logger: Logger;
  /** Destination ids paired with a source record of this chunk (one to one). */
  readonly taken: Set<string>;
  settle(id: string, outcome: Parameters<SyncRecordsRepository['settle']>[2]): Promise<void>;
  recordFault(id: string, fault: FaultedRead, doing: string): Promise<void>;
  /** The destination holds this record as `destinationId`, written by this sync. */
  imported(item: Valid, destinationId: string): void;
}

/** A write an earlier run may have made (a CLAIMED ledger entry): the destination has no handle of ours on it. */
const EARLIER_WRITE: PendingWrite = { pending: true, ref: '', at: 0 };

/**
 * The write side of a chunk run (see ChunkImport): claim in the ledger, write, report, and for a
 * destination that processes writes asynchronously (Strava uploads) the page's confirmation, in
 * which records an earlier run claimed are looked for too.
 */
export class RecordWrites {
  /** Writes the destination took and has not confirmed yet (settled at the end of their page). */
  private readonly unconfirmed: Array<{ item: Valid; recovering: boolean; pending: PendingWrite }> = [];

  constructor(private readonly host: RecordWritesHost) {}

  /**
   * Records an earlier run claimed (it may have written them, then stopped before its
   * bookkeeping), at a destination that confirms writes: looked for in the page's confirmation,
   * with what this run writes (one list for both); those not there are then written. Returns the
   * records to write now. Elsewhere each claimed record's `write` looks for itself (`recovering`).
   */
  recover(pending: Valid[]): Valid[] {
    if (!this.host.input.destination.confirmWrites) return pending;
    for (const item of pending.filter((p) => p.recovering))
      this.unconfirmed.push({ item, recovering: true, pending: EARLIER_WRITE });
    return pending.filter((p) => !p.recovering);
  }

  /**
   * Claim, write, report, ledger. Returns the destination id, null when the destination refused
   * it, or undefined while its write waits for confirmation (see confirmPending).
   */
  async write(item: Valid): Promise<string | null | undefined> {
    const { scope, destination, to, signal } = this.host.input;
    const id = item.record.id;
    let claimedHere = false;
    try {
      const earlier = await this.host.ledger.claim(scope, id, item.key);
      claimedHere = earlier === undefined;
      if (earlier?.status === 'WRITTEN') {
        await this.host.settle(id, {
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
        sourceName: descriptorOf(item.session.source.provider).displayName,
        signal,
      });
      if ('pending' in result) {
        this.unconfirmed.push({ item, recovering, pending: result });
        return undefined;
      }
      return await this.written(item, recovering, result);
    } catch (error) {
      if (claimedHere && error instanceof ProviderRateLimitedError && error.unsent)
        // the spent budget held the write back before it left: nothing for the rerun to look for
        // (a claim that stays is safe too: the rerun looks for it first)
        await this.host.ledger
          .release(scope, item.key)
          .catch((e: unknown) => this.host.logger.warn(`claim of ${id} kept: ${String(e)}`));
      return this.writeFailed(item, error);
    }
  }

  /**
   * Settles the writes the destination took but had not processed (Strava uploads), together:
   * one confirmation for the page. A write the confirmation cannot settle stays CLAIMED in the
   * ledger, so the next run looks for it before writing again. Returns each record's destination id.
   */
  async confirmPending(): Promise<Map<string, string | null>> {
    const ids = new Map<string, string | null>();
    const { destination, to, signal } = this.host.input;
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
      await this.host.settle(id, {
        status: 'SKIPPED_DUPLICATE',
        reason: {
          code: 'ALREADY_AT_DESTINATION',
          message: `${this.host.input.destination.provider} answered that it already holds this workout as record ${result.destinationId}`,
        },
        duplicateOfId: result.destinationId,
      });
    } else {
      await this.host.settle(id, { status: 'IMPORTED', destinationId: result.destinationId });
      this.host.imported(item, result.destinationId);
    }
    this.host.taken.add(result.destinationId);
    await this.host.ledger.markWritten(item.key, result.destinationId);
    return result.destinationId;
  }

  /** A write that ended in an error: the record's fate, or the error the chunk ends on (rethrown). */
  private async writeFailed(item: Valid, error: unknown): Promise<null> {
    const { scope, destination, signal } = this.host.input;
    const id = item.record.id;
    if (error instanceof RecordRejectedError) {
      this.host.logger.warn(`the destination refused source record ${id}: ${error.reason}`);
      await this.host.settle(id, {
        status: 'FAILED',
        reason: { code: 'DESTINATION_REJECTED', message: error.reason },
      });
      await this.host.ledger.markSkipped(scope, id, item.key, error.reason);
      return null;
    }
    if (error instanceof ProviderUnavailableError && error.requestFault && !signal.aborted) {
      // its write keeps failing while the destination answers the rest; the ledger stays CLAIMED,
      // so the next try looks for an earlier write before writing (never twice)
      await this.host.recordFault(
        id,
        { provider: destination.provider, ...error.requestFault },
        'writing it',
      );
      return null;
    }
    // an error the chunk fails on is this record's failure (until a retry); a transient fault, a
    // rate-limit wait, a revoked grant (the sync pauses) or a stop leaves it PENDING
    const failed =
      error instanceof ChunkError ||
      (error instanceof ProviderError && ['permission', 'auth_rejected'].includes(error.kind));
    if (failed && !signal.aborted)
      await this.host.settle(id, {
        status: 'FAILED',
        reason: { code: (error as ChunkError).code, message: (error as Error).message },
      });
    throw error;
  }
}
