import type { AppConfig } from '../../config/app-config.js';
import type { FairShareRepository } from '../chunks/fair-share.repository.js';
import { QueueEtaService } from './queue-eta.service.js';

const config = { providers: { timeScale: 0.01 } } as AppConfig; // 10-s budget windows
const queued = (lastTag: number) => ({
  kind: 'HISTORICAL' as const,
  status: 'IN_PROGRESS' as const,
  fair_last_tag: lastTag,
});

/** A repository stub: tags 10..19 hold 4 queued chunks each (40), 3 queued 7-day chunks, 1.5 chunks/s finished lately. */
function service(completed = 30): QueueEtaService {
  const half = completed / 2;
  const tags = Array.from({ length: 10 }, (_, i) => 10 + i);
  const repository = {
    queuedByTag: async () => ({ tags, counts: tags.map(() => 4), initial: 3 }),
    completedIn: async () => [half, half],
  } as unknown as FairShareRepository;
  return new QueueEtaService(repository, config);
}

describe('QueueEtaService: the chunks ahead in fair-tag order', () => {
  const snapshot = { tags: [10, 11, 12], cumulative: [4, 8, 12] };
  it('counts every queued chunk with a lower tag and half of those sharing the tag', () => {
    expect(QueueEtaService.ahead(snapshot, 10)).toBe(2);
    expect(QueueEtaService.ahead(snapshot, 12)).toBe(8 + 2);
    expect(QueueEtaService.ahead(snapshot, 9)).toBe(0);
    expect(QueueEtaService.ahead(snapshot, 30)).toBe(12);
    expect(QueueEtaService.ahead({ tags: [], cumulative: [] }, 5)).toBe(0);
  });

  it('answers from the snapshot once loaded, at the measured rate', async () => {
    const eta = service();
    expect(eta.secondsRemaining(queued(19))).toBeUndefined(); // the first call starts the refresh
    // a new 3-chunk sync starts at the head (tag 10): 4 + 4 + 2 ahead of its last chunk, the 3 7-day
    // chunks, and its own 3
    expect(await eta.forNewSync(3)).toBe(Math.ceil((10 + 3 + 3) / 1.5));
    expect(eta.secondsRemaining(queued(19))).toBe(Math.ceil((36 + 2 + 3 + 1) / 1.5));
    expect(eta.secondsRemaining(queued(10))).toBe(Math.ceil((2 + 3 + 1) / 1.5));
    expect(eta.secondsRemaining({ ...queued(19), status: 'PAUSED' })).toBeUndefined();
    expect(eta.secondsRemaining({ ...queued(19), kind: 'INITIAL_7_DAY' })).toBeUndefined();
    expect(eta.secondsRemaining({ ...queued(19), fair_last_tag: null })).toBeUndefined();
  });

  it('gives no queue answer without a backlog or without a measured rate', async () => {
    expect(await service(2).forNewSync(12)).toBeUndefined(); // too few completions to measure
    expect(await service(1_000_000).forNewSync(12)).toBeUndefined(); // the queue drains within the window
  });
});
