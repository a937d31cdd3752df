import type { AppConfig } from '../../config/app-config.js';
import type { FairShareRepository } from '../chunks/fair-share.repository.js';
import { QueueEtaService, type QueueSnapshot } from './queue-eta.service.js';

const config = { providers: { timeScale: 0.1 } } as AppConfig; // 90-s budget windows
const WINDOW = 90_000;
const queued = (lastTag: number) => ({
  id: 'sync-1',
  kind: 'HISTORICAL' as const,
  status: 'IN_PROGRESS' as const,
  fair_last_tag: lastTag,
  created_at: new Date(1_000),
  total_chunks: 12,
  completed_chunks: 10,
  failed_chunks: 0,
});

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
      created: [0, 500, 2_000, 3_000],
    }),
    initialChunksSince: async () => [0, 0],
    running: async () => [],
    completedPerWindow: async (from: Date) => {
      const first = Math.floor(from.getTime() / WINDOW);
      return [first, first + 1].map((w) => ({
        window: w,
        count: perWindow,
        lastAt: w * WINDOW + 9_000,
        meanMs: 500,
      }));
    },
  } as unknown as FairShareRepository;
  return new QueueEtaService(repository, config);
}

const snapshot = (over: Partial<QueueSnapshot> = {}): QueueSnapshot => ({
  takenAt: 0,
  tags: [10, 11, 12],
  cumulative: [4, 8, 12],
  created: [],
  initial: 0,
  windowMs: 60_000,
  windowStart: 600_000,
  perWindow: 100,
  burstMs: 10_000,
  doneNow: 0,
  lastDoneAt: 600_000,
  paceNow: 0,
  arrivals: 0,
  runningTotal: 0,
  running: new Map(),
  chunkMs: 0,
  ...over,
});

describe('QueueEtaService: position in the fair queue, windows of budget', () => {
  it('counts every queued chunk with a lower tag and half of those sharing the tag', () => {
    const s = snapshot();
    expect(QueueEtaService.ahead(s, 10)).toBe(2);
    expect(QueueEtaService.ahead(s, 12)).toBe(8 + 2);
    expect(QueueEtaService.ahead(s, 9)).toBe(0);
    expect(QueueEtaService.ahead(s, 30)).toBe(12);
    expect(QueueEtaService.ahead(snapshot({ tags: [], cumulative: [] }), 5)).toBe(0);
  });

  it('puts a chunk behind those sharing its tag whose syncs were created earlier', () => {
    const s = snapshot({ created: [100, 200, 300, 400] });
    expect(QueueEtaService.createdBefore(s, 300)).toBe(0.5);
    expect(QueueEtaService.createdBefore(s, 50)).toBe(0);
    expect(QueueEtaService.createdBefore(s, 500)).toBe(1);
    expect(QueueEtaService.ahead(s, 11, 0.25)).toBe(4 + 1);
    expect(QueueEtaService.ahead(s, 11, 1)).toBe(4 + 4);
  });

  it('places the n-th chunk in the window (and the point of its burst) its position gives', () => {
    // 30 s into a 60-s window whose budget (100 chunks in its first 10 s) is spent
    const spent = snapshot({ doneNow: 100 });
    const now = 630_000;
    expect(QueueEtaService.secondsUntil(spent, 50, now)).toBe(30 + 5); // next window, half its burst
    expect(QueueEtaService.secondsUntil(spent, 100, now)).toBe(30 + 10);
    expect(QueueEtaService.secondsUntil(spent, 250, now)).toBe(30 + 2 * 60 + 5); // third window
    // budget left in this window: 60 chunks still fit, the burst goes on
    const left = snapshot({ doneNow: 40, burstMs: 60_000 });
    expect(QueueEtaService.secondsUntil(left, 10, 620_000)).toBe(30 - 20); // 50/100 of the window
    expect(QueueEtaService.secondsUntil(left, 61, 620_000)).toBe(40 + 0.6); // the first of the next: 1/100 of its 60-s burst
  });

  it('leaves room in each later window for the 7-day syncs arriving meanwhile', () => {
    const spent = snapshot({ doneNow: 100, arrivals: 50 });
    // 50 of each later window's 100 go to new 7-day syncs: the 250th is in the fifth window, at its end
    expect(QueueEtaService.secondsUntil(spent, 250, 630_000)).toBe(30 + 4 * 60 + 10);
    expect(QueueEtaService.secondsUntil(spent, 25, 630_000)).toBe(37.5); // its share comes after the 50 arrivals: 75/100 of the burst
  });

  it('goes on at a burst’s pace when this window’s burst runs late', () => {
    // 15 s into a window whose bursts took 10 s: 60 of 100 done, so the burst is late
    const late = snapshot({ doneNow: 60 });
    expect(QueueEtaService.secondsUntil(late, 10, 615_000)).toBeCloseTo(1, 5); // 10 chunks at 0.1 s
    expect(QueueEtaService.secondsUntil(late, 1, 615_000)).toBeCloseTo(0.1, 5);
  });

  it('takes the pace of the burst under way once it has one', () => {
    // 40 done, the last at 604 s, one every 50 ms so far: the 10th from then at 604.5 s
    const going = snapshot({ doneNow: 40, lastDoneAt: 604_000, paceNow: 50 });
    expect(QueueEtaService.secondsUntil(going, 10, 604_100)).toBeCloseTo(0.4, 5);
    expect(QueueEtaService.secondsUntil(going, 10, 606_000)).toBeCloseTo(0.1, 5); // overdue: soon (0.1 s at least)
    expect(QueueEtaService.secondsUntil(going, 61, 604_100)).toBeCloseTo(55.9 + 0.1, 5); // next window
  });

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

  it('ends a sync whose chunks left are all running when the last started one is done', () => {
    const running = new Map([['sync-1', { count: 2, lastStartedAt: 10_000 }]]);
    const s = { running, chunkMs: 800, runningTotal: 10, perWindow: 100, doneNow: 50 };
    expect(QueueEtaService.inFlight(s, queued(19), 10_300)).toBeCloseTo(0.5, 5);
    expect(QueueEtaService.inFlight(s, queued(19), 12_000)).toBeCloseTo(0.08, 5); // running late
    // one of its two chunks left is still queued, or nothing is measured yet: the queue answers
    expect(QueueEtaService.inFlight(s, { ...queued(19), completed_chunks: 9 }, 10_300)).toBeUndefined();
    expect(QueueEtaService.inFlight({ ...s, chunkMs: 0 }, queued(19), 10_300)).toBeUndefined();
    // the window's budget cannot take every running chunk: they go back on the queue
    expect(QueueEtaService.inFlight({ ...s, doneNow: 95 }, queued(19), 10_300)).toBeUndefined();
    expect(QueueEtaService.inFlight(s, { ...queued(19), id: 'sync-2' }, 10_300)).toBeUndefined();
  });

  it('answers from the snapshot once loaded', async () => {
    const eta = service();
    expect(eta.secondsRemaining(queued(19))).toBeUndefined(); // the first call starts the refresh
    const seconds = await eta.forNewSync(3);
    expect(seconds).toBeGreaterThan(0);
    // the last of 403 queued chunks: 100 still fit in this window (nothing done in it yet), then three
    // more windows of 100; a 3-chunk newcomer is the 106th: this window or the next
    expect(eta.secondsRemaining(queued(19))).toBeGreaterThan(2 * 90);
    expect(eta.secondsRemaining(queued(19))).toBeLessThanOrEqual(3 * 90 + 9);
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
