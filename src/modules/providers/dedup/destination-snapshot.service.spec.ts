import { jest } from '@jest/globals';
import type { SnapshotActivity } from '../../../database/schema.js';
import type { ActivityWindow, ProviderConnector } from '../provider-connector.js';
import { DestinationSnapshotService, type SnapshotRequest } from './destination-snapshot.service.js';
import type {
  DestinationSnapshot,
  DestinationSnapshotsRepository,
} from './destination-snapshots.repository.js';

const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso);
const activity = (id: string, start: string): SnapshotActivity => ({
  id,
  kind: 'RUN',
  start: at(start),
  end: at(start) + 3_600_000,
});
const window = (from: string, to: string): ActivityWindow => ({
  from: new Date(from),
  to: new Date(to),
  timezone: 'UTC',
});

/** The repository in memory; `held` false plays another process holding the sync's lock. */
function memoryRepository(held = true) {
  const rows = new Map<string, DestinationSnapshot>();
  const repo = {
    find: async (id: string) => rows.get(id),
    save: async (id: string, activities: SnapshotActivity[]) =>
      void rows.set(id, { activities, takenAt: new Date() }),
    withLock: async <T>(_id: string, fn: () => Promise<T>) =>
      held ? { held: true as const, value: await fn() } : { held: false as const },
  };
  return { repo: repo as unknown as DestinationSnapshotsRepository, rows };
}

describe('DestinationSnapshotService: one listing of the destination per sync', () => {
  const held = [activity('jan', '2025-01-10T08:00:00Z'), activity('feb', '2025-02-10T08:00:00Z')];
  const listActivities = jest.fn(async (..._args: unknown[]) => held);
  const destination = { listActivities } as unknown as ProviderConnector;
  const request = (chunkWindow: ActivityWindow): SnapshotRequest => ({
    orchestrationId: 'sync-1',
    syncWindow: window('2024-12-30T00:00:00Z', '2026-01-02T00:00:00Z'),
    chunkWindow,
    destination,
    to: { id: 'acc', externalUserId: 'ext' },
  });

  beforeEach(() => listActivities.mockClear());

  it("lists the sync's whole range once; every chunk then reads its own window from the snapshot", async () => {
    const { repo, rows } = memoryRepository();
    const service = new DestinationSnapshotService(repo);
    const january = await service.activities(request(window('2024-12-30T00:00:00Z', '2025-02-02T00:00:00Z')));
    const february = await service.activities(
      request(window('2025-01-30T00:00:00Z', '2025-03-02T00:00:00Z')),
    );
    expect(listActivities).toHaveBeenCalledTimes(1);
    expect(listActivities.mock.calls[0]).toEqual([
      { id: 'acc', externalUserId: 'ext' },
      request(window('2024-12-30T00:00:00Z', '2025-02-02T00:00:00Z')).syncWindow,
      undefined,
    ]);
    expect(january.map((a) => a.id)).toEqual(['jan']);
    expect(february.map((a) => a.id)).toEqual(['feb']);
    expect(rows.get('sync-1')?.activities).toHaveLength(2);
  });

  it('a window reaching into the days before an old snapshot lists itself again; settled history does not', async () => {
    const { repo, rows } = memoryRepository();
    rows.set('sync-1', { activities: held, takenAt: new Date(Date.now() - 11 * 60_000) });
    const service = new DestinationSnapshotService(repo);
    const now = Date.now();
    // ends a month before the snapshot: settled, read from it
    await service.activities(
      request(window(new Date(now - 60 * DAY).toISOString(), new Date(now - 30 * DAY).toISOString())),
    );
    expect(listActivities).not.toHaveBeenCalled();
    // reaches today, and the snapshot is 11 minutes old: the destination is asked again
    const recent = window(new Date(now - 20 * DAY).toISOString(), new Date(now + DAY).toISOString());
    await service.activities(request(recent));
    expect(listActivities).toHaveBeenCalledTimes(1);
    expect(listActivities.mock.calls[0][1]).toEqual(recent);
  });

  it('the same recent window trusts a snapshot younger than 10 minutes', async () => {
    const { repo, rows } = memoryRepository();
    rows.set('sync-1', { activities: held, takenAt: new Date(Date.now() - 9 * 60_000) });
    const service = new DestinationSnapshotService(repo);
    const now = Date.now();
    await service.activities(
      request(window(new Date(now - 20 * DAY).toISOString(), new Date(now + DAY).toISOString())),
    );
    expect(listActivities).not.toHaveBeenCalled();
  });
});
