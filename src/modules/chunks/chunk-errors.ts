import type { ErrorInfo } from '../../database/schema.js';

/** Base of errors that tell the engine what to do with a chunk. Anything else is retried with backoff. */
export abstract class ChunkError extends Error {
  abstract readonly retryable: boolean;

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }

  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }
}

/** A failure worth another attempt: retried with exponential backoff and jitter; the attempt counts. */
export class RetryableChunkError extends ChunkError {
  readonly retryable = true;
}

/** A failure retrying cannot fix (bad request, unsupported data): the chunk goes to the dead-letter queue at once. */
export class PermanentChunkError extends ChunkError {
  readonly retryable = false;
}

/**
 * The whole sync cannot go on (its provider account is gone): the orchestration ends FAILED with
 * this error, and its unfinished chunks fail with it. Provider faults have their own taxonomy
 * (providers/provider-errors.ts), mapped to chunk outcomes in engine/chunk-outcome.ts.
 */
export class FatalSyncError extends ChunkError {
  readonly retryable = false;
}

/** The chunk's records that fail with record faults (one record's request failing while its provider answers others). */
export const RECORD_FAULT_CODE = 'PROVIDER_RECORD_ERROR';

/**
 * Some of the chunk's records had record faults and wait for another try: the chunk runs again at
 * `retryAt` from the page of the first of them, no attempt used (every other record is settled).
 */
export class RecordsDeferredError extends ChunkError {
  readonly retryable = true;

  constructor(
    message: string,
    readonly retryAt: Date,
  ) {
    super(RECORD_FAULT_CODE, message);
  }
}

/**
 * Records of the chunk were settled FAILED after their record-fault budget: the chunk ends FAILED
 * at once (its other records are settled), and retry-failed re-runs it.
 */
export class ChunkRecordsFailedError extends ChunkError {
  readonly retryable = true;

  constructor(message: string) {
    super(RECORD_FAULT_CODE, message);
  }
}

/** ErrorInfo for any thrown value; unknown errors keep a generic message (no stack, no secrets). */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof ChunkError) return error.toInfo();
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'CHUNK_ERROR', message: message.slice(0, 500), retryable: true };
}
