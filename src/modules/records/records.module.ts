import { Module } from '@nestjs/common';
import { OrchestrationModule } from '../orchestration/orchestration.module.js';
import { RecordStoreModule } from './record-store.module.js';
import { RecordsService } from './records.service.js';

/** The import report API (its controller is listed in ApiModule, like the other features'). */
@Module({
  imports: [OrchestrationModule, RecordStoreModule],
  providers: [RecordsService],
  exports: [RecordsService],
})
export class RecordsModule {}
