import { Injectable, Logger } from '@nestjs/common';
import { SyncRecordsRepository } from '../../import-report/sync-records.repository.js';
import { SyncLedgerRepository } from '../ledger/sync-ledger.repository.js';
import { DestinationSnapshotService } from '../dedup/destination-snapshot.service.js';
import { ChunkImport, type ChunkImportInput } from './chunk-import.js';

/** Builds a {@link ChunkImport} per chunk run with the orchestration's duplicate policy. */
@Injectable()
export class RecordImporter {
  private readonly logger = new Logger('RecordImporter');

  constructor(
    private readonly ledger: SyncLedgerRepository,
    private readonly records: SyncRecordsRepository,
    private readonly snapshots: DestinationSnapshotService,
  ) {}

  async start(input: Omit<ChunkImportInput, 'syncRange'>): Promise<ChunkImport> {
    const { policy, startDate, endDate } = await this.records.importSettings(input.scope.orchestrationId);
    return new ChunkImport(
      { ...input, syncRange: { startDate, endDate } },
      policy,
      this.ledger,
      this.records,
      this.snapshots,
      this.logger,
    );
  }

  counts(chunkId: string) {
    return this.records.chunkCounts(chunkId);
  }

  /** The chunk's records with record faults: waiting for a try, and failed for good in this round. */
  faults(chunkId: string) {
    return this.records.faults(chunkId);
  }

  /**
   * A record waiting after a record fault that a whole pass over the chunk no longer met (deleted
   * at the source, or moved out of the range): FAILED, so it neither waits forever nor vanishes.
   */
  gone(orchestrationId: string, sourceRecordId: string) {
    return this.records.settle(orchestrationId, sourceRecordId, {
      status: 'FAILED',
      reason: {
        code: 'PROVIDER_RECORD_ERROR',
        message: 'Its read failed at the source, and the source no longer returns it in this range',
      },
    });
  }
}
