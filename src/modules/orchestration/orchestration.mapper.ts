import { createHash } from 'node:crypto';
import type { Chunk, Orchestration } from '../../database/schema.js';
import type {
  ChunkDto,
  OrchestrationDto,
  OrchestrationStatusDto,
  WaitingDto,
} from './dto/orchestration.dto.js';

type StatusFields = Pick<
  Orchestration,
  | 'id'
  | 'status'
  | 'total_chunks'
  | 'completed_chunks'
  | 'failed_chunks'
  | 'estimated_seconds'
  | 'started_at'
  | 'round_started_at'
  | 'updated_at'
  | 'round'
  | 'records_read'
  | 'records_imported'
  | 'records_skipped'
  | 'records_failed'
  | 'waiting'
>;

export function recordCounts(o: StatusFields) {
  return {
    read: o.records_read,
    imported: o.records_imported,
    skipped: o.records_skipped,
    failed: o.records_failed,
  };
}

export function progressPercent(
  o: Pick<Orchestration, 'total_chunks' | 'completed_chunks' | 'failed_chunks'>,
): number {
  return Math.floor(((o.completed_chunks + o.failed_chunks) / o.total_chunks) * 1000) / 10;
}

/**
 * ETA. While a queue holds work for the shared budgets, `queueSeconds` (QueueEtaService: the work
 * ahead of this sync under fair sharing at the rate chunks finish now). Otherwise, once chunks have
 * finished, this sync's own pace so far (elapsed / chunks done, which includes its real parallelism
 * and quota waits) times the chunks left; before that, the estimate made at creation, prorated.
 * 0 once ended; null while paused (no progress is being made).
 */
export function estimatedSecondsRemaining(
  o: StatusFields,
  now: Date = new Date(),
  queueSeconds?: number,
): number | null {
  if (o.status === 'PAUSED') return null;
  if (!['PENDING', 'IN_PROGRESS'].includes(o.status)) return 0;
  if (queueSeconds !== undefined) return Math.max(0, Math.ceil(queueSeconds));
  const done = o.completed_chunks + o.failed_chunks;
  const remaining = o.total_chunks - done;
  const since = o.round > 1 ? o.round_started_at : o.started_at;
  if (done > 0 && since) {
    const elapsed = Math.max(0, (now.getTime() - since.getTime()) / 1000);
    return Math.ceil((elapsed / done) * remaining);
  }
  return Math.ceil((o.estimated_seconds * remaining) / o.total_chunks);
}

/** Weak validator of the status representation: changes whenever any state field does. */
export function etagOf(o: StatusFields): string {
  const records = `${o.records_read}|${o.records_imported}|${o.records_skipped}|${o.records_failed}`;
  const state = `${o.id}|${o.status}|${o.completed_chunks}|${o.failed_chunks}|${o.round}|${o.updated_at.getTime()}|${records}`;
  return `W/"${createHash('sha1').update(state).digest('base64url').slice(0, 22)}"`;
}

/** When the sync is expected to end: now + estimatedSecondsRemaining while it runs, null while paused or once it ended. */
export function estimatedCompletionAt(
  o: StatusFields,
  now: Date = new Date(),
  queueSeconds?: number,
): string | null {
  if (!['PENDING', 'IN_PROGRESS'].includes(o.status)) return null;
  // the queue's estimate to the millisecond (the seconds field rounds it up)
  if (queueSeconds !== undefined)
    return new Date(now.getTime() + Math.max(0, queueSeconds) * 1000).toISOString();
  const remaining = estimatedSecondsRemaining(o, now, queueSeconds);
  return remaining === null ? null : new Date(now.getTime() + remaining * 1000).toISOString();
}

export function toStatusDto(o: StatusFields, now?: Date, queueSeconds?: number): OrchestrationStatusDto {
  return {
    orchestrationId: o.id,
    status: o.status,
    totalChunks: o.total_chunks,
    completedChunks: o.completed_chunks,
    failedChunks: o.failed_chunks,
    progressPercent: progressPercent(o),
    estimatedSecondsRemaining: estimatedSecondsRemaining(o, now, queueSeconds),
    estimatedCompletionAt: estimatedCompletionAt(o, now, queueSeconds),
    records: recordCounts(o),
    waiting: waitingOf(o),
    updatedAt: o.updated_at.toISOString(),
  };
}

/** Set only while the sync is active (a pause or an ending clears it too). */
function waitingOf(o: Pick<Orchestration, 'status' | 'waiting'>): WaitingDto | null {
  if (!o.waiting || !['PENDING', 'IN_PROGRESS'].includes(o.status)) return null;
  const { reason, provider, since, retryAt } = o.waiting;
  return { reason, provider, since, retryAt: retryAt ?? null };
}

export function toOrchestrationDto(o: Orchestration, now?: Date, queueSeconds?: number): OrchestrationDto {
  return {
    orchestrationId: o.id,
    userId: o.user_id,
    connectionId: o.connection_id,
    kind: o.kind,
    source: o.source_provider,
    destination: o.destination_provider,
    startDate: o.start_date,
    endDate: o.end_date,
    status: o.status,
    totalChunks: o.total_chunks,
    completedChunks: o.completed_chunks,
    failedChunks: o.failed_chunks,
    progressPercent: progressPercent(o),
    estimatedSecondsRemaining: estimatedSecondsRemaining(o, now, queueSeconds),
    estimatedCompletionAt: estimatedCompletionAt(o, now, queueSeconds),
    records: recordCounts(o),
    waiting: waitingOf(o),
    duplicatePolicy: o.duplicate_policy,
    pauseReason: o.status === 'PAUSED' ? (o.pause_reason ?? 'USER') : null,
    lastError: o.last_error,
    createdAt: o.created_at.toISOString(),
    updatedAt: o.updated_at.toISOString(),
    completedAt: o.completed_at?.toISOString() ?? null,
  };
}

export function toChunkDto(c: Chunk): ChunkDto {
  return {
    chunkId: c.id,
    index: c.idx,
    chunkStartDate: c.start_date,
    chunkEndDate: c.end_date,
    status: c.status,
    attempts: c.attempts,
    recordsRead: c.records_read,
    recordsWritten: c.records_written,
    recordsSkipped: c.records_skipped,
    lastError: c.last_error,
    updatedAt: c.updated_at.toISOString(),
  };
}
