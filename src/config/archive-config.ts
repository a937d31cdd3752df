import { isAbsolute, join, resolve } from 'node:path';
import type { EnvironmentVariables } from './environment.js';

/** Uploaded export archives (issue 27): limits, retention and storage. */
export interface ArchiveConfig {
  /** Largest `Upload-Length` accepted. */
  maxBytes: number;
  /** ZIP bomb limits: uncompressed bytes in all, and the ratio of one entry. */
  maxUncompressedBytes: number;
  maxRatio: number;
  /** Days kept after the last sync over the archive ended (or after upload). */
  retentionDays: number;
  storage:
    { kind: 'local'; directory: string } | { kind: 's3'; bucket: string; region?: string; endpoint?: string };
}

export function archiveConfig(env: EnvironmentVariables, dataDir: string): ArchiveConfig {
  const directory = env.ARCHIVE_DIR
    ? isAbsolute(env.ARCHIVE_DIR)
      ? env.ARCHIVE_DIR
      : resolve(process.cwd(), env.ARCHIVE_DIR)
    : join(dataDir, 'archives');
  return {
    maxBytes: env.ARCHIVE_MAX_BYTES,
    maxUncompressedBytes: env.ARCHIVE_MAX_UNCOMPRESSED_BYTES,
    maxRatio: env.ARCHIVE_MAX_RATIO,
    retentionDays: env.ARCHIVE_RETENTION_DAYS,
    storage:
      env.ARCHIVE_STORAGE === 's3'
        ? {
            kind: 's3',
            bucket: env.ARCHIVE_S3_BUCKET!,
            region: env.ARCHIVE_S3_REGION,
            endpoint: env.ARCHIVE_S3_ENDPOINT,
          }
        : { kind: 'local', directory },
  };
}
