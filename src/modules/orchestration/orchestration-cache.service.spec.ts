import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import type { Orchestration } from '../../database/schema.js';
import { OrchestrationCache } from './orchestration-cache.service.js';
import type { OrchestrationChangesRepository } from './orchestration-changes.repository.js';

const loader = () => jest.fn<() => Promise<Orchestration | undefined>>();

/** A stand-in for the LISTEN connection: the test fires changes and connection loss by hand. */
class FakeChanges {
  handlers?: { onChange: (id: string) => void; onLost: (error: Error) => void };
  listens = 0;
  async listen(handlers: NonNullable<FakeChanges['handlers']>) {
    this.listens++;
    this.handlers = handlers;
    return { close: async () => undefined };
  }
}

const row = (id: string, completed = 0) =>
  ({ id, user_id: 'u', completed_chunks: completed }) as Orchestration;

function setup(capacity = 100, api = true) {
  const changes = new FakeChanges();
  const config = { role: { api }, database: { statusCacheSize: capacity } } as unknown as AppConfig;
  const cache = new OrchestrationCache(config, changes as unknown as OrchestrationChangesRepository);
  return { cache, changes };
}

describe('OrchestrationCache', () => {
  beforeAll(() => Logger.overrideLogger(false));
  it('serves an unchanged row from memory and reloads it after a change notification', async () => {
    const { cache, changes } = setup();
    await cache.onApplicationBootstrap();
    const load = loader().mockResolvedValueOnce(row('a', 1)).mockResolvedValueOnce(row('a', 2));
    expect((await cache.get('a', load))?.completed_chunks).toBe(1);
    expect((await cache.get('a', load))?.completed_chunks).toBe(1);
    expect(load).toHaveBeenCalledTimes(1);
    changes.handlers!.onChange('a');
    expect((await cache.get('a', load))?.completed_chunks).toBe(2);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('does not keep a row whose load raced a change', async () => {
    const { cache, changes } = setup();
    await cache.onApplicationBootstrap();
    const loaded = Promise.withResolvers<Orchestration>();
    const first = cache.get('a', () => loaded.promise);
    changes.handlers!.onChange('a'); // committed while the old row was being read
    loaded.resolve(row('a', 1));
    expect((await first)?.completed_chunks).toBe(1); // this read may answer with what it read...
    const load = loader().mockResolvedValue(row('a', 2));
    expect((await cache.get('a', load))?.completed_chunks).toBe(2); // ...but it was not kept
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('caches nothing while the listener is lost, and empties itself when it is', async () => {
    jest.useFakeTimers();
    try {
      const { cache, changes } = setup();
      await cache.onApplicationBootstrap();
      await cache.get('a', async () => row('a', 1));
      changes.handlers!.onLost(new Error('connection terminated'));
      expect(cache.active).toBe(false);
      expect(cache.size).toBe(0);
      const load = loader().mockResolvedValue(row('a', 2));
      await cache.get('a', load);
      await cache.get('a', load);
      expect(load).toHaveBeenCalledTimes(2);
      await jest.advanceTimersByTimeAsync(1000); // reconnects
      expect(changes.listens).toBe(2);
      expect(cache.active).toBe(true);
      await cache.get('a', load);
      await cache.get('a', load);
      expect(load).toHaveBeenCalledTimes(3);
      await cache.onApplicationShutdown();
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps at most STATUS_CACHE_SIZE rows, dropping the oldest', async () => {
    const { cache } = setup(2);
    await cache.onApplicationBootstrap();
    for (const id of ['a', 'b', 'c']) await cache.get(id, async () => row(id));
    expect(cache.size).toBe(2);
    const load = loader().mockResolvedValue(row('a'));
    await cache.get('a', load);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('never listens with size 0 or in a worker-only process, and never stores a missing row', async () => {
    for (const [capacity, api] of [
      [0, true],
      [100, false],
    ] as const) {
      const { cache, changes } = setup(capacity, api);
      await cache.onApplicationBootstrap();
      expect(changes.listens).toBe(0);
      const load = loader().mockResolvedValue(row('a'));
      await cache.get('a', load);
      await cache.get('a', load);
      expect(load).toHaveBeenCalledTimes(2);
    }
    const { cache } = setup();
    await cache.onApplicationBootstrap();
    expect(await cache.get('x', async () => undefined)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
