import { Injectable } from '@nestjs/common';
import type { Connection } from '../../../database/schema.js';
import { AppConfig } from '../../../config/app-config.js';
import { ChunkRecordsFailedError, FatalSyncError, RecordsDeferredError } from '../../chunks/chunk-errors.js';
import type {
  ChunkCounts,
  ChunkRunContext,
  ChunkWork,
  ChunkProcessor,
} from '../../chunks/chunk-processor.js';
import { ProviderAccountsRepository } from '../accounts/provider-accounts.repository.js';
import type { AccountRef } from '../provider-connector.js';
import { ProviderRegistry } from '../provider-registry.js';
import { RecordImporter } from './record-importer.js';
import { recordRetryAt, retryPolicy, type RetryPolicy } from '../../../config/retry-policy.js';

/**
 * A chunk's position, saved after every page (its counts come from the import report), and where
 * the first page with a record waiting after a record fault began (the next run starts there).
 */
interface ChunkState {
  page: unknown;
  rewind?: unknown;
}

/**
 * The `ChunkProcessor` built on the providers' `ProviderConnector`s (source and destination from
 * the registry): read the source's range page by page and hand each page to the record importer
 * (chunk-import.ts), which validates, matches against what the destination already holds, and writes each record exactly once: a ledger claim before the write, the
 * destination id after it, and the same idempotency key on every attempt, so a crash between the
 * two leaves the provider's duplicate answer to settle it.
 */
@Injectable()
export class ProviderChunkProcessor implements ChunkProcessor {
  constructor(
    private readonly registry: ProviderRegistry,
    private readonly accounts: ProviderAccountsRepository,
    private readonly importer: RecordImporter,
    config: AppConfig,
  ) {
    this.recordFaults = retryPolicy(config).recordFault;
  }

  /** The retry policy's record-fault rules (config/retry-policy.ts), read once. */
  private readonly recordFaults: RetryPolicy['recordFault'];

  async dataSpan(connection: Connection): Promise<{ first: string | null; last: string | null }> {
    if (!connection.source_account_id) return { first: null, last: null };
    const source = this.registry.get(connection.source_provider);
    const account = await this.account(connection.source_account_id);
    const [first, last] = await Promise.all([
      source.firstDataDate(account),
      source.lastDataDate ? source.lastDataDate(account) : null,
    ]);
    return { first, last };
  }

  async recordsIn(
    connection: Connection,
    range: { startDate: string; endDate: string },
  ): Promise<number | null> {
    const source = this.registry.get(connection.source_provider);
    if (!source.countRecords || !connection.source_account_id) return null;
    return source.countRecords(await this.account(connection.source_account_id), {
      ...range,
      timezone: connection.timezone,
    });
  }

  async processChunk(work: ChunkWork, context: ChunkRunContext): Promise<ChunkCounts> {
    const source = this.registry.get(work.source);
    const [from, to] = await Promise.all([
      this.account(work.sourceAccountId),
      this.account(work.destinationAccountId),
    ]);
    const range = { startDate: work.startDate, endDate: work.endDate, timezone: work.timezone };
    const run = await this.importer.start({
      scope: {
        connectionId: work.connectionId,
        orchestrationId: work.orchestrationId,
        chunkId: work.chunkId,
      },
      range,
      sourceProvider: source.provider,
      destination: this.registry.get(work.destination),
      to,
      signal: context.signal,
      recordFaultAttempts: this.recordFaults.attempts,
    });
    const saved = work.cursor as Partial<ChunkState> | null;
    const state: ChunkState = { page: saved?.page ?? null };
    if (saved && 'rewind' in saved) state.rewind = saved.rewind;
    // a rerun of a chunk cut short: what an earlier run settled needs no detail reads
    const settled = await run.settledIds();
    for (;;) {
      const at = state.page;
      const page = await source.readPage(from, range, state.page, context.signal, settled);
      const waitingBefore = run.waiting;
      await run.importPage(page.records);
      if (!('rewind' in state) && run.waiting > waitingBefore) state.rewind = at;
      state.page = page.next ?? null;
      // the chunk's counts are the import report's rows: skips (duplicates, earlier syncs) are never "written"
      const report = await this.importer.counts(work.chunkId);
      const counts = {
        recordsRead: report.read,
        recordsWritten: report.imported,
        recordsSkipped: report.skipped,
      };
      await context.saveProgress({ cursor: state, ...counts });
      // the page was cut short (its records so far are settled above): stop, to read it again later
      if (page.interrupted) throw page.interrupted;
      if (state.page === null)
        return this.settleFaults(work, state, counts, context, {
          seen: run.seen,
          wholePass: (saved?.page ?? null) === null,
        });
    }
  }

  /**
   * After the last page: records waiting after a record fault send the chunk round again (from the
   * first page that had one, at the earliest record's next try); records that spent their tries
   * fail the chunk, naming the first. Otherwise the chunk is done.
   */
  private async settleFaults(
    work: ChunkWork,
    state: ChunkState,
    counts: ChunkCounts,
    context: ChunkRunContext,
    run: { seen: ReadonlySet<string>; wholePass: boolean },
  ): Promise<ChunkCounts> {
    let { waiting, failed } = await this.importer.faults(work.chunkId);
    const gone = run.wholePass ? waiting.filter((w) => !run.seen.has(w.sourceRecordId)) : [];
    if (gone.length > 0) {
      for (const w of gone) await this.importer.gone(work.orchestrationId, w.sourceRecordId);
      ({ waiting, failed } = await this.importer.faults(work.chunkId));
    }
    if (waiting.length > 0) {
      const policy = this.recordFaults;
      const next = Math.max(
        Date.now() + policy.firstRetryMs, // never a tight loop over the chunk
        Math.min(...waiting.map((w) => recordRetryAt(policy, w.lastAt.getTime(), w.count))),
      );
      await context.saveProgress({ cursor: { page: state.rewind ?? null }, ...counts });
      throw new RecordsDeferredError(
        `${waiting.length} record${waiting.length === 1 ? '' : 's'} failed at the provider while it answered others; trying again`,
        new Date(next),
      );
    }
    if (failed.length > 0) {
      const [first] = failed;
      const more =
        failed.length > 1 ? ` (and ${failed.length - 1} more record${failed.length > 2 ? 's' : ''})` : '';
      throw new ChunkRecordsFailedError(
        `Source record ${first.sourceRecordId} failed: ${first.message}${more}`,
      );
    }
    return counts;
  }

  private async account(id: string | null): Promise<AccountRef> {
    const account = id ? await this.accounts.find(id) : undefined;
    if (!account)
      throw new FatalSyncError(
        'PROVIDER_ACCOUNT_MISSING',
        'The connection has no provider account to sync with',
      );
    return { id: account.id, externalUserId: account.external_user_id };
  }
}
