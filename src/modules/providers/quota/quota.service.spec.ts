import { jest } from '@jest/globals';
import type { AppConfig } from '../../../config/app-config.js';
import type { MetricsService } from '../../metrics/metrics.service.js';
import type { BucketUse, QuotaRepository } from './quota.repository.js';
import { QuotaService } from './quota.service.js';

const WINDOW = 10_000;
const bucket = (key: string, windowMs = WINDOW): BucketUse => ({
  key,
  provider: 'strava',
  limit: 100,
  windowMs,
});

function service() {
  const observe = jest.fn(async (_usage: Array<[BucketUse, number]>, _now?: number) => undefined);
  const repository = { observe } as unknown as QuotaRepository;
  const metrics = { counter: () => ({ inc: () => undefined }) } as unknown as MetricsService;
  return {
    quota: new QuotaService(repository, { providers: { timeScale: 1 } } as AppConfig, metrics),
    observe,
  };
}

describe('QuotaService.observe: the provider’s usage headers', () => {
  afterEach(() => jest.useRealTimers());

  it('passes on the usage of buckets whose window did not turn while the request was out', async () => {
    jest.useFakeTimers({ now: 5 * WINDOW + 4_000 });
    const { quota, observe } = service();
    await quota.observe(
      [
        [bucket('a'), 12],
        [bucket('b'), undefined],
      ],
      5 * WINDOW + 1_000,
    );
    expect(observe).toHaveBeenCalledWith([[bucket('a'), 12]], 5 * WINDOW + 4_000);
  });

  it('leaves alone a bucket whose window turned in flight (its usage may be the last window’s)', async () => {
    jest.useFakeTimers({ now: 6 * WINDOW + 50 });
    const { quota, observe } = service();
    // sent 100 ms before the 10-s window turned; the daily bucket's window did not turn
    await quota.observe(
      [
        [bucket('short'), 99],
        [bucket('day', 100 * WINDOW), 500],
      ],
      6 * WINDOW - 100,
    );
    expect(observe).toHaveBeenCalledWith([[bucket('day', 100 * WINDOW), 500]], 6 * WINDOW + 50);
    observe.mockClear();
    await quota.observe([[bucket('short'), 99]], 6 * WINDOW - 100);
    expect(observe).not.toHaveBeenCalled();
  });
});
