import { Injectable } from '@nestjs/common';
import type { Job } from '../../jobs/job.types.js';
import { JobName, type ArchiveScanJobData } from '../../jobs/job-names.js';
import { OnJob } from '../../jobs/on-job.decorator.js';
import { ArchiveScanService } from './archive-scan.service.js';

/** The archive.scan queue's handler. */
@Injectable()
export class ArchiveScanWorker {
  constructor(private readonly scans: ArchiveScanService) {}

  @OnJob(JobName.ArchiveScan)
  scan(job: Job<ArchiveScanJobData>): Promise<void> {
    return this.scans.scan(job.data.archiveId);
  }
}
