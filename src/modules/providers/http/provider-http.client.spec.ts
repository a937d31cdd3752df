import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProviderRateLimitedError } from '../provider-errors.js';
import type { QuotaService } from '../quota/quota.service.js';
import type { TokenService } from '../tokens/token.service.js';
import { ProviderHttpClient, type ProviderApiSpec } from './provider-http.client.js';
import type { ProviderHealth } from './provider-health.js';
import type { ProviderMetrics } from './provider-metrics.js';

/**
 * `ProviderRateLimitedError.unsent`: a rate limit says the write it served left nothing behind only
 * when no attempt of the request reached the provider (or only to be refused for its quota). A
 * local HTTP server answers the scripted statuses; the budget refuses the attempts listed.
 */
describe('ProviderHttpClient: whether a rate-limited request left anything behind', () => {
  let server: Server;
  let statuses: number[];
  let baseUrl: string;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      const status = statuses.shift() ?? 200;
      res.writeHead(status, { 'Content-Type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** A client whose budget refuses the attempts numbered in `refusedAttempts` (0-based). */
  function client(refusedAttempts: number[]) {
    let attempt = 0;
    const quota = {
      acquire: async () => {
        if (refusedAttempts.includes(attempt++))
          throw new ProviderRateLimitedError('strava', new Date(Date.now() + 60_000));
      },
      block: async () => undefined,
    } as unknown as QuotaService;
    const spec = {
      provider: 'strava',
      baseUrl: () => baseUrl,
      buckets: () => [],
      observe: async () => undefined,
      retryAt: () => new Date(Date.now() + 60_000),
    } as unknown as ProviderApiSpec;
    const health = {
      record: () => undefined,
      recentlyFaulted: () => false,
      verdict: () => 'outage',
      markFaulted: () => undefined,
    } as unknown as ProviderHealth;
    return new ProviderHttpClient(
      spec,
      { accessToken: async () => 'token' } as unknown as TokenService,
      quota,
      { request: () => undefined } as unknown as ProviderMetrics,
      {
        timeoutMs: 2_000,
        retry: {
          retries: 3,
          backoff: { baseMs: 1, maxMs: 2 },
          transientStatus: new Set([503]),
          refreshesAfter401: 2,
        },
      },
      health,
    );
  }

  const upload = { method: 'POST', path: '/uploads', kind: 'write', idempotent: true } as const;
  const rateLimit = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected a rate limit');
      },
      (error: unknown) => {
        expect(error).toBeInstanceOf(ProviderRateLimitedError);
        return error as ProviderRateLimitedError;
      },
    );

  it('unsent: the budget refused the first attempt', async () => {
    statuses = [];
    expect((await rateLimit(client([0]).request({ id: 'a', externalUserId: '1' }, upload))).unsent).toBe(
      true,
    );
  });

  it('unsent: the provider refused the only attempt for its quota (429)', async () => {
    statuses = [429];
    expect((await rateLimit(client([]).request({ id: 'a', externalUserId: '1' }, upload))).unsent).toBe(true);
  });

  it('not unsent: an attempt reached the provider (503) before the budget refused the retry', async () => {
    statuses = [503];
    expect((await rateLimit(client([1]).request({ id: 'a', externalUserId: '1' }, upload))).unsent).toBe(
      false,
    );
  });

  it('not unsent: an attempt reached the provider (503) before a 429', async () => {
    statuses = [503, 429];
    expect((await rateLimit(client([]).request({ id: 'a', externalUserId: '1' }, upload))).unsent).toBe(
      false,
    );
  });
});
