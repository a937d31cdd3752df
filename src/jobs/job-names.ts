/** Every queue of the service. Each needs exactly one `@OnJob` handler, or the service refuses to start. */
export const JobName = {
  ChunkProcess: 'chunk.process',
  ChunkDeadLetter: 'chunk.dead',
  NotificationDeliver: 'notification.deliver',
  NotificationDeadLetter: 'notification.dead',
  ArchiveScan: 'archive.scan',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

/** Queues that collect the jobs whose retries are spent. */
export const DEAD_LETTER_QUEUES: string[] = [JobName.ChunkDeadLetter, JobName.NotificationDeadLetter];

/** Payload of one chunk job (PRD §31 "Chunk Job"), plus the ids the engine needs. */
export interface ChunkJobData {
  chunkId: string;
  orchestrationId: string;
  userId: string;
  source: string;
  destination: string;
  chunkStartDate: string;
  chunkEndDate: string;
}

/** Delivery of one notification to every device of its user. */
export interface NotificationJobData {
  notificationId: string;
}

/** The one scan of an uploaded export archive. */
export interface ArchiveScanJobData {
  archiveId: string;
}

export interface JobPayloads {
  [JobName.ChunkProcess]: ChunkJobData;
  [JobName.ChunkDeadLetter]: ChunkJobData;
  [JobName.NotificationDeliver]: NotificationJobData;
  [JobName.NotificationDeadLetter]: NotificationJobData;
  [JobName.ArchiveScan]: ArchiveScanJobData;
}
