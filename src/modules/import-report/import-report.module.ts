import { Module } from '@nestjs/common';
import { SyncRecordsRepository } from './sync-records.repository.js';

/** The import report's storage, shared by the connectors (which write it) and the report API. */
@Module({
  providers: [SyncRecordsRepository],
  exports: [SyncRecordsRepository],
})
export class ImportReportModule {}
