import type { AppConfig } from '../../config/app-config.js';
import type { FairShareRepository } from '../chunks/fair-share.repository.js';
import { QueueEtaService, type QueueSnapshot } from './queue-eta.service.js';
import { queuedSync as queued } from '../../../test/support/queue-eta.js';

const config = { providers: { timeScale: 0.1 } } as AppConfig; // 90-s budget windows
const WINDOW = 90_000;

/**
 * A repository stub: tags 10..19 hold 40 queued chunks each (400), 3 queued 7-day chunks; the last two
 * windows got through `perWindow` chunks each, all within their first 9 s; none yet in this one.
 */
function service(perWindow = 100): QueueEtaService {
  const tags = Array.from({ length: 10 }, (_, i) => 10 + i);
  const repository = {
    queuedByTag: async () => ({
      tags,
      counts: tags.map(() => 40),
      initial: 3,
      syncs: [0, 500, 2_000, 3_000].map((at, i) => ({
        id: `other-${i}`,
        lo: 10,
        hi: 19,
        lastWeight: 1,
        createdAt: at,
      })),
    }),
    initialChunksSince: async () => [0, 0],
    running: async () => [],
    completedPerWindow: async (from: Date) => {
      const first = Math.floor(from.getTime() / WINDOW);
      return [first, first + 1].map((w) => ({
        window: w,
        count: perWindow,
        units: perWindow,
        lastAt: w * WINDOW + 9_000,
        meanMs: 500,
      }));
    },
  } as unknown as FairShareRepository;
  return new QueueEtaService(repository, config);
}

describe('QueueEtaService: the snapshot and the answers it gives', () => {
  it('counts the running chunks ahead of every queued one', async () => {
    const eta = service();
    eta.secondsRemaining(queued(10));
    await eta.forNewSync(1);
    const snap = (eta as unknown as { snapshot: QueueSnapshot }).snapshot;
    const now = snap.windowStart + 1_000; // a second into the window
    // 3 seven-day chunks and 20 of the 40 sharing its tag (created earlier): this window
    expect(eta.secondsRemaining(queued(10), now)).toBeLessThan(89);
    snap.runningTotal = 100;
    // 100 running chunks finish first: the window's 100 are gone, it is the 24th of the next
    expect(eta.secondsRemaining(queued(10), now)).toBeGreaterThan(89);
  });

  it('answers from the snapshot once loaded', async () => {
    const eta = service();
    expect(eta.secondsRemaining(queued(19))).toBeUndefined(); // the first call starts the refresh
    const seconds = await eta.forNewSync(3);
    expect(seconds).toBeGreaterThan(0);
    // sync-1's last chunk is the 384th (3 seven-day chunks, 360 with lower tags, half the 40 sharing
    // its tag, itself): 100 still fit in this window (nothing done in it yet), then the 284th of the
    // later windows of 100, in the third one's burst (~232 s from half-way through this window);
    // with 10 % less capacity in the fourth's (~322 s): the answer lies between (expectedSecondsUntil)
    const snap = (eta as unknown as { snapshot: QueueSnapshot }).snapshot;
    const remaining = eta.secondsRemaining(queued(19), snap.windowStart + 45_000)!;
    expect(remaining).toBeGreaterThan(3 * 90 - 45);
    expect(remaining).toBeLessThan(4 * 90 - 45);
    expect(remaining).toBeCloseTo((2 * 322 * 231) / (322 + 231), -1);
    // a 3-chunk newcomer's last is the 126th: early in the next window's burst
    expect(seconds!).toBeLessThanOrEqual(90 + 9);
    expect(eta.secondsRemaining({ ...queued(19), status: 'PAUSED' })).toBeUndefined();
    expect(eta.secondsRemaining({ ...queued(19), kind: 'INITIAL_7_DAY' })).toBeUndefined();
    expect(eta.secondsRemaining({ ...queued(19), fair_last_tag: null })).toBeUndefined();
  });

  it('gives no queue answer without a backlog or without a measured pace', async () => {
    expect(await service(2).forNewSync(12)).toBeUndefined(); // too few completions to measure
    expect(await service(100_000).forNewSync(12)).toBeUndefined(); // one window clears the queue
  });
});
