import { SetMetadata } from '@nestjs/common';
import type { JobName } from './job-names.js';

export const JOB_HANDLER_METADATA = 'syncwell:job-handler';

/**
 * Marks a provider method as the handler of a queue. It receives one job at a time
 * (`(job: Job<JobPayloads[name]>) => Promise<void>`); throwing fails the attempt (retried with
 * backoff), throwing {@link DeadLetterError} sends the job to its dead-letter queue at once.
 */
export const OnJob = (name: JobName): MethodDecorator => SetMetadata(JOB_HANDLER_METADATA, name);
