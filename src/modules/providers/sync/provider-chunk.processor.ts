import { Injectable } from '@nestjs/common';
import type { Connection } from '../../../database/schema.js';
import { FatalSyncError } from '../../chunks/chunk-errors.js';
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

/** A chunk's position, saved after every page (its counts come from the import report). */
interface ChunkState {
  page: unknown;
}

/**
 * The `ChunkProcessor` built on the providers' `ProviderConnector`s (source and destination from
 * the registry): read the source's range page by page and hand each page to the record importer
 * (record-importer.ts), which validates, matches against what the destination already holds, and writes each record exactly once: a ledger claim before the write, the
 * destination id after it, and the same idempotency key on every attempt, so a crash between the
 * two leaves the provider's duplicate answer to settle it.
 */
@Injectable()
export class ProviderChunkProcessor implements ChunkProcessor {
  constructor(
    private readonly registry: ProviderRegistry,
    private readonly accounts: ProviderAccountsRepository,
    private readonly importer: RecordImporter,
  ) {}

  async firstDataDate(connection: Connection): Promise<string | null> {
    if (!connection.source_account_id) return null;
    return this.registry
      .get(connection.source_provider)
      .firstDataDate(await this.account(connection.source_account_id));
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
    });
    const saved = work.cursor as Partial<ChunkState> | null;
    const state: ChunkState = { page: saved?.page ?? null };
    for (;;) {
      const page = await source.readPage(from, range, state.page, context.signal);
      await run.importPage(page.records);
      state.page = page.next ?? null;
      // the chunk's counts are the import report's rows: skips (duplicates, earlier syncs) are never "written"
      const report = await this.importer.counts(work.chunkId);
      const counts = {
        recordsRead: report.read,
        recordsWritten: report.imported,
        recordsSkipped: report.skipped,
      };
      await context.saveProgress({ cursor: state, ...counts });
      if (state.page === null) return counts;
    }
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
