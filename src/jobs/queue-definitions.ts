import type { Queue, WorkOptions } from 'pg-boss';
import type { AppConfig } from '../config/app-config.js';
import { JobName } from './job-names.js';
import { retryPolicy } from '../config/retry-policy.js';

export interface QueueDefinition {
  name: JobName;
  queue: Omit<Queue, 'name'>;
  work: WorkOptions;
}

const WEEK = 7 * 24 * 3600;

/**
 * Queue options (retries, backoff, expiry, heartbeat, dead-letter) and worker options of every
 * queue. Dead-letter queues come before the queues that name them, so they exist first.
 */
export function queueDefinitions(config: AppConfig): QueueDefinition[] {
  const jobs = config.jobs;
  const retry = retryPolicy(config);
  const polling = { pollingIntervalSeconds: jobs.pollingIntervalSeconds };
  return [
    {
      name: JobName.ChunkDeadLetter,
      queue: {
        retryLimit: 10,
        retryDelay: 5,
        retryBackoff: true,
        retryDelayMax: 300,
        deleteAfterSeconds: 4 * WEEK,
      },
      work: { ...polling, localConcurrency: 1, includeMetadata: true },
    },
    {
      name: JobName.ChunkProcess,
      queue: {
        partition: true,
        retryLimit: retry.chunk.retryLimit,
        retryDelay: retry.chunk.delaySeconds,
        retryBackoff: true, // pg-boss adds jitter to every backed-off delay
        retryDelayMax: retry.chunk.maxDelaySeconds,
        expireInSeconds: jobs.chunkExpireSeconds,
        heartbeatSeconds: jobs.chunkHeartbeatSeconds,
        deleteAfterSeconds: WEEK,
        deadLetter: JobName.ChunkDeadLetter,
        // a long backlog is normal here (the fair queue); warn only at what an operator acts on
        warningQueueSize: jobs.chunkQueueWarningSize,
      },
      work: {
        ...polling,
        localConcurrency: jobs.chunkConcurrency,
        groupConcurrency: jobs.chunkUserConcurrency,
        // with a backlog, fetch the next chunk as soon as one is done instead of waiting a poll
        burstWhenReadyExceeds: 1,
      },
    },
    {
      name: JobName.NotificationDeadLetter,
      queue: { retryLimit: 3, retryDelay: 30, retryBackoff: true, deleteAfterSeconds: 4 * WEEK },
      work: { ...polling, localConcurrency: 1 },
    },
    {
      name: JobName.NotificationDeliver,
      queue: {
        retryLimit: retry.notification.retryLimit,
        retryDelay: retry.notification.delaySeconds,
        retryBackoff: true,
        retryDelayMax: retry.notification.maxDelaySeconds,
        expireInSeconds: 300,
        heartbeatSeconds: jobs.chunkHeartbeatSeconds,
        deleteAfterSeconds: WEEK,
        deadLetter: JobName.NotificationDeadLetter,
      },
      work: { ...polling, localConcurrency: 4 },
    },
    {
      // a scan starts over when its process dies (its index is rebuilt); a scan of a big archive
      // takes minutes, so a stalled one is told by its heartbeat, not by its length
      name: JobName.ArchiveScan,
      queue: {
        retryLimit: 3,
        retryDelay: 10,
        retryBackoff: true,
        expireInSeconds: 4 * 3600,
        heartbeatSeconds: jobs.chunkHeartbeatSeconds,
        deleteAfterSeconds: WEEK,
      },
      work: { ...polling, localConcurrency: 1 },
    },
  ];
}
