import type { Connection, ProviderName } from '../../database/schema.js';

/** One chunk's work: copy the source's records of [startDate, endDate] to the destination. */
export interface ChunkWork {
  chunkId: string;
  orchestrationId: string;
  userId: string;
  connectionId: string;
  source: ProviderName;
  destination: ProviderName;
  sourceAccountId: string | null;
  destinationAccountId: string | null;
  /** The connection's IANA time zone; the dates are civil dates in it. */
  timezone: string;
  startDate: string;
  endDate: string;
  /** 1 for the first run of this chunk; rate-limit reschedules do not count. */
  attempt: number;
  /** What {@link ChunkRunContext.saveProgress} last stored, so a rescheduled chunk resumes there. */
  cursor: unknown;
}

export interface ChunkCounts {
  recordsRead: number;
  recordsWritten: number;
  recordsSkipped: number;
}

export interface ChunkProgress extends ChunkCounts {
  cursor: unknown;
}

export interface ChunkRunContext {
  /** Aborted when the job is being stopped (shutdown, expiry). */
  signal: AbortSignal;
  /** Persists the chunk's position and cumulative counts. */
  saveProgress(progress: ChunkProgress): Promise<void>;
}

/**
 * The engine's side of the line: what it calls per chunk (run one chunk; find where a source's
 * history starts, for ALL_TIME). Provider-agnostic; the one implementation is ProviderChunkProcessor
 * (providers/sync/), built on one `ProviderConnector` per provider, and tests substitute their
 * own. Errors thrown from `processChunk` steer the engine (see engine/chunk-outcome.ts).
 */
export interface ChunkProcessor {
  processChunk(work: ChunkWork, context: ChunkRunContext): Promise<ChunkCounts>;
  /** The source's first data date and, for a source whose history ends (an archive), its last. */
  dataSpan(connection: Connection): Promise<{ first: string | null; last: string | null }>;
  /** How many records the source holds in the range, when it knows without reading them (an archive). */
  recordsIn?(connection: Connection, range: { startDate: string; endDate: string }): Promise<number | null>;
}

export const CHUNK_PROCESSOR = Symbol('CHUNK_PROCESSOR');
