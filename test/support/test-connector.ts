import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from '../../src/database/schema.js';
import {
  FatalSyncError,
  PermanentChunkError,
  RetryableChunkError,
} from '../../src/modules/chunks/chunk-errors.js';
import { ProviderRateLimitedError } from '../../src/modules/providers/provider-errors.js';
import type {
  ChunkCounts,
  ChunkRunContext,
  ChunkWork,
  ChunkProcessor,
} from '../../src/modules/chunks/chunk-processor.js';

export type Behavior =
  | { kind: 'ok'; records?: number; delayMs?: number }
  | { kind: 'permanent' }
  | { kind: 'transient' }
  | { kind: 'fatal'; code?: string }
  | { kind: 'rateLimit'; retryAfterMs: number }
  | { kind: 'block'; until: Promise<void> };

export interface ConnectorCall {
  chunkId: string;
  startDate: string;
  endDate: string;
  attempt: number;
  at: number;
}

/**
 * A scriptable ChunkProcessor for engine tests: every call is recorded, and the behaviour of each
 * chunk (keyed by its start date) can be queued: fail permanently, transiently, fatally, hit a rate
 * limit, or block until released. Unscripted calls succeed.
 */
export class TestConnector implements ChunkProcessor {
  readonly calls: ConnectorCall[] = [];
  private readonly scripts = new Map<string, Behavior[]>();
  firstData: string | null = null;
  defaultBehavior: Behavior = { kind: 'ok' };
  /** Per-chunk behaviour by anything in the work (user, orchestration); wins over the date scripts. */
  behaviorFor?: (work: ChunkWork) => Behavior | undefined;

  script(startDate: string, ...behaviors: Behavior[]): this {
    this.scripts.set(startDate, [...(this.scripts.get(startDate) ?? []), ...behaviors]);
    return this;
  }

  callsFor(startDate: string): ConnectorCall[] {
    return this.calls.filter((c) => c.startDate === startDate);
  }

  async dataSpan(_connection: Connection): Promise<{ first: string | null; last: string | null }> {
    return { first: this.firstData, last: null };
  }

  async processChunk(work: ChunkWork, context: ChunkRunContext): Promise<ChunkCounts> {
    this.calls.push({
      chunkId: work.chunkId,
      startDate: work.startDate,
      endDate: work.endDate,
      attempt: work.attempt,
      at: Date.now(),
    });
    const behavior =
      this.behaviorFor?.(work) ?? this.scripts.get(work.startDate)?.shift() ?? this.defaultBehavior;
    switch (behavior.kind) {
      case 'permanent':
        throw new PermanentChunkError('TEST_PERMANENT', `chunk ${work.startDate} cannot be synced`);
      case 'transient':
        throw new RetryableChunkError('TEST_TRANSIENT', 'provider answered 503');
      case 'fatal':
        throw new FatalSyncError(
          behavior.code ?? 'PROVIDER_AUTH_REVOKED',
          'the provider authorization was revoked',
        );
      case 'rateLimit':
        throw new ProviderRateLimitedError('strava', new Date(Date.now() + behavior.retryAfterMs));
      case 'block':
        await behavior.until;
        break;
      case 'ok': {
        if (behavior.delayMs) await sleep(behavior.delayMs);
        const records = behavior.records ?? 3;
        await context.saveProgress({
          cursor: { done: true },
          recordsRead: records,
          recordsWritten: records,
          recordsSkipped: 0,
        });
        return { recordsRead: records, recordsWritten: records, recordsSkipped: 0 };
      }
    }
    return { recordsRead: 0, recordsWritten: 0, recordsSkipped: 0 };
  }
}
