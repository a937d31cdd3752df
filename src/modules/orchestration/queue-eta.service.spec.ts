import type { AppConfig } from '../../config/app-config.js';
import type { FairShareRepository } from '../chunks/fair-share.repository.js';
import { QueueEtaService } from './queue-eta.service.js';

const config = { providers: { timeScale: 0.01 } } as AppConfig; // rate measured over 20 s
const running = (total: number, done = 0) => ({
  kind: 'HISTORICAL' as const,
  status: 'IN_PROGRESS' as const,
  total_chunks: total,
  completed_chunks: done,
  failed_chunks: 0,
});

/** A repository stub: 10 users with 12 chunks left, 2 with 60, 3 automatic 7-day chunks, 1 chunk/s lately. */
function service(completed = 20): QueueEtaService {
  const repository = {
    shares: async () => ({
      shares: [
        { remaining: 12, users: 10 },
        { remaining: 60, users: 2 },
      ],
      initial: 3,
    }),
    completedSince: async (seconds: number) => ({ count: completed, spanSeconds: seconds }),
  } as unknown as FairShareRepository;
  return new QueueEtaService(repository, config);
}

describe('QueueEtaService: processor sharing over the fair queue', () => {
  it('counts, for every other user, their chunks left but at most this sync’s, plus 7-day syncs ahead', () => {
    const snapshot = {
      shares: [
        { remaining: 12, users: 10 },
        { remaining: 60, users: 2 },
      ],
      initial: 3,
    };
    expect(QueueEtaService.workAhead(snapshot, 12, true)).toBe(3 + 120 + 24);
    expect(QueueEtaService.workAhead(snapshot, 60, true)).toBe(3 + 120 + 120);
    expect(QueueEtaService.workAhead(snapshot, 5, false)).toBe(3 + 5 + 50 + 10);
  });

  it('answers from the snapshot once loaded, at the measured rate', async () => {
    const eta = service();
    expect(eta.secondsRemaining(running(12))).toBeUndefined(); // first call starts the refresh
    expect(await eta.forNewSync(12)).toBe(3 + 12 + 120 + 24); // 1 chunk/s
    expect(eta.secondsRemaining(running(12))).toBe(147);
    expect(eta.secondsRemaining(running(60, 0))).toBe(243);
    expect(eta.secondsRemaining({ ...running(12), status: 'PAUSED' })).toBeUndefined();
    expect(eta.secondsRemaining({ ...running(1), kind: 'INITIAL_7_DAY' })).toBeUndefined();
  });

  it('gives no queue answer without a backlog or without a measured rate', async () => {
    expect(await service(2).forNewSync(12)).toBeUndefined(); // too few completions to measure
    expect(await service(1_000_000).forNewSync(12)).toBeUndefined(); // the queue drains within the window
  });
});
