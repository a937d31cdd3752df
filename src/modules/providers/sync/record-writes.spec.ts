import type { Logger } from '@nestjs/common';
import type { CanonicalSession, SourceRecord } from '../canonical/canonical-session.js';
import type { LedgerEntry, SyncLedgerRepository } from '../ledger/sync-ledger.repository.js';
import type { ProviderConnector } from '../provider-connector.js';
import { ProviderRateLimitedError } from '../provider-errors.js';
import type { ChunkImportInput } from './chunk-import.js';
import { RecordWrites, type RecordWritesHost, type Valid } from './record-writes.js';

/**
 * The claim release: a write a spent budget held back before it left gives its claim back, but
 * only a claim this run made (an earlier run's claim may stand for a write that landed) and only
 * when nothing of the request reached the provider.
 */
describe('RecordWrites: a rate-limited write and its ledger claim', () => {
  function setUp(earlier: LedgerEntry | undefined, unsent: boolean) {
    const released: string[] = [];
    const ledger = {
      claim: async () => earlier,
      release: async (_scope: unknown, key: string) => void released.push(key),
    } as unknown as SyncLedgerRepository;
    const destination = {
      provider: 'strava',
      write: async () => {
        throw Object.assign(new ProviderRateLimitedError('strava', new Date(Date.now() + 60_000)), {
          unsent,
        });
      },
    } as unknown as ProviderConnector;
    const host: RecordWritesHost = {
      input: {
        scope: { connectionId: 'c', orchestrationId: 'o', chunkId: 'k' },
        destination,
        to: { id: 'acc', externalUserId: '7' },
        signal: new AbortController().signal,
      } as unknown as ChunkImportInput,
      ledger,
      logger: { warn: () => undefined } as unknown as Logger,
      taken: new Set(),
      settle: async () => undefined,
      recordFault: async () => undefined,
      imported: () => undefined,
    };
    const item: Valid = {
      record: { id: 'r1' } as unknown as SourceRecord,
      session: { source: { provider: 'fitbit', id: 'r1' } } as unknown as CanonicalSession,
      key: 'key-1',
      recovering: false,
    };
    return { writes: new RecordWrites(host), item, released };
  }

  it('releases a claim made in this run when the request never reached the provider', async () => {
    const { writes, item, released } = setUp(undefined, true);
    await expect(writes.write(item)).rejects.toBeInstanceOf(ProviderRateLimitedError);
    expect(released).toEqual(['key-1']);
  });

  it('keeps it when an attempt reached the provider (the write may have landed)', async () => {
    const { writes, item, released } = setUp(undefined, false);
    await expect(writes.write(item)).rejects.toBeInstanceOf(ProviderRateLimitedError);
    expect(released).toEqual([]);
  });

  it('keeps an earlier run’s claim, whatever this run sent', async () => {
    const { writes, item, released } = setUp({ status: 'CLAIMED' } as LedgerEntry, true);
    await expect(writes.write(item)).rejects.toBeInstanceOf(ProviderRateLimitedError);
    expect(released).toEqual([]);
  });
});
