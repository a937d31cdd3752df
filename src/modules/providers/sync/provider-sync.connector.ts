import { Injectable, Logger } from '@nestjs/common';
import type { Connection, ProviderName } from '../../../database/schema.js';
import { FatalSyncError } from '../../chunks/chunk-errors.js';
import type { ChunkCounts, ChunkRunContext, ChunkWork, SyncConnector } from '../../chunks/sync-connector.js';
import { ProviderAccountsRepository } from '../../connections/provider-accounts.repository.js';
import type { SourceRecord } from '../canonical/canonical-session.js';
import { validateSession } from '../canonical/validate-session.js';
import { recordKey, SyncLedgerRepository, type LedgerScope } from '../ledger/sync-ledger.repository.js';
import type { AccountRef, ProviderConnector } from '../provider-connector.js';
import { ProviderRegistry } from '../provider-registry.js';
import { RecordRejectedError } from '../record-rejected.error.js';

/** A chunk's position and counts, saved after every page. */
interface ChunkState {
  page: unknown;
  recordsRead: number;
  recordsWritten: number;
  recordsSkipped: number;
}

/**
 * Chunk processing with real providers: read the source's range page by page, turn each record
 * into a canonical session, validate it, and write it to the destination exactly once: a ledger
 * claim before the write, the destination id after it, and the same idempotency key on every
 * attempt, so a crash between the two leaves the provider's duplicate answer to settle it.
 */
@Injectable()
export class ProviderSyncConnector implements SyncConnector {
  private readonly logger = new Logger(ProviderSyncConnector.name);

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly accounts: ProviderAccountsRepository,
    private readonly ledger: SyncLedgerRepository,
  ) {}

  async firstDataDate(connection: Connection): Promise<string | null> {
    if (!connection.source_account_id) return null;
    return this.registry
      .get(connection.source_provider)
      .firstDataDate(await this.account(connection.source_account_id));
  }

  async processChunk(work: ChunkWork, context: ChunkRunContext): Promise<ChunkCounts> {
    const source = this.registry.get(work.source);
    const destination = this.registry.get(work.destination);
    const [from, to] = await Promise.all([
      this.account(work.sourceAccountId),
      this.account(work.destinationAccountId),
    ]);
    const scope: LedgerScope = {
      connectionId: work.connectionId,
      orchestrationId: work.orchestrationId,
      chunkId: work.chunkId,
    };
    const saved = work.cursor as Partial<ChunkState> | null;
    const state: ChunkState = {
      page: saved?.page ?? null,
      recordsRead: saved?.recordsRead ?? 0,
      recordsWritten: saved?.recordsWritten ?? 0,
      recordsSkipped: saved?.recordsSkipped ?? 0,
    };
    const range = { startDate: work.startDate, endDate: work.endDate, timezone: work.timezone };
    for (;;) {
      const page = await source.readPage(from, range, state.page, context.signal);
      for (const record of page.records) {
        state.recordsRead++;
        const outcome = await this.syncRecord(
          scope,
          record,
          source.provider,
          destination,
          to,
          context.signal,
        );
        if (outcome === 'written') state.recordsWritten++;
        else state.recordsSkipped++;
      }
      state.page = page.next ?? null;
      const counts = {
        recordsRead: state.recordsRead,
        recordsWritten: state.recordsWritten,
        recordsSkipped: state.recordsSkipped,
      };
      await context.saveProgress({ cursor: state, ...counts });
      if (state.page === null) return counts;
    }
  }

  private async syncRecord(
    scope: LedgerScope,
    record: SourceRecord,
    sourceProvider: ProviderName,
    destination: ProviderConnector,
    to: AccountRef,
    signal: AbortSignal,
  ): Promise<'written' | 'skipped'> {
    const key = recordKey(
      { provider: destination.provider, externalUserId: to.externalUserId },
      { provider: sourceProvider, id: record.id },
    );
    const problems = 'invalid' in record ? [record.invalid] : validateSession(record.session);
    if (problems.length > 0) {
      this.logger.warn(`skipping source record ${record.id}: ${problems.join('; ')}`);
      await this.ledger.markSkipped(scope, record.id, key, `invalid source record: ${problems.join('; ')}`);
      return 'skipped';
    }
    const session = (record as Extract<SourceRecord, { session: unknown }>).session;
    const earlier = await this.ledger.claim(scope, record.id, key);
    // an earlier run of this chunk wrote it (it is counted as written by this chunk); anything else
    // already at the destination (another sync, another connection) is skipped, not written again
    const ours = earlier?.chunk_id === scope.chunkId;
    if (earlier?.status === 'WRITTEN') return ours ? 'written' : 'skipped';
    try {
      const result = await destination.write(to, session, key, { recovering: earlier !== undefined, signal });
      await this.ledger.markWritten(key, result.destinationId);
      return result.duplicate && !ours ? 'skipped' : 'written';
    } catch (error) {
      if (!(error instanceof RecordRejectedError)) throw error;
      this.logger.warn(`the destination refused source record ${record.id}: ${error.reason}`);
      await this.ledger.markSkipped(scope, record.id, key, error.reason);
      return 'skipped';
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
