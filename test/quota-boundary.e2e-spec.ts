import {
  QuotaRepository,
  boundaryGuardMs,
  headroom,
  type BucketUse,
} from '../src/modules/providers/quota/quota.repository.js';
import { createTestApp, type TestApp } from './support/app.js';

/**
 * The shared budgets against real PostgreSQL: a spent window waits for the next, and no request
 * leaves in a window's last moments (it could reach the provider in the next window and be counted
 * there while ours counted it in this one).
 */
describe('quota budgets at the window boundary', () => {
  let t: TestApp;
  let quota: QuotaRepository;
  const WINDOW = 60_000;
  const use = (key: string, limit = 3): BucketUse => ({ key, provider: 'strava', limit, windowMs: WINDOW });

  beforeAll(async () => {
    t = await createTestApp({ env: { ROLE: 'api' } });
    quota = t.app.get(QuotaRepository);
  });
  afterAll(() => t.close());

  it('takes units until the window is spent, then names the next window’s start', async () => {
    const start = 1_000 * WINDOW;
    for (let i = 0; i < 3; i++)
      expect(await quota.acquire([use('spent')], start + 1_000)).toEqual({ ok: true });
    expect(await quota.acquire([use('spent')], start + 2_000)).toEqual({
      ok: false,
      retryAt: new Date(start + WINDOW),
      windowMs: WINDOW,
    });
    expect(await quota.acquire([use('spent')], start + WINDOW)).toEqual({ ok: true }); // a new window
  });

  it('leaves 0.5 % of a large budget untaken, for a request the provider counts a window later', async () => {
    const start = 3_000 * WINDOW;
    expect([headroom(3), headroom(100), headroom(200), headroom(350), headroom(2_000)]).toEqual([
      0, 1, 1, 2, 10,
    ]);
    const big = use('headroom', 400);
    for (let i = 0; i < 398; i++) expect(await quota.acquire([big], start + 1_000)).toEqual({ ok: true });
    expect(await quota.acquire([big], start + 2_000)).toEqual({
      ok: false,
      retryAt: new Date(start + WINDOW),
      windowMs: WINDOW,
    });
  });

  it('holds a request in the last 1 % of a window until the next begins, with budget left', async () => {
    const start = 2_000 * WINDOW;
    const guard = boundaryGuardMs(WINDOW);
    expect(guard).toBe(600);
    expect(await quota.acquire([use('edge')], start + WINDOW - guard - 1)).toEqual({ ok: true });
    expect(await quota.acquire([use('edge')], start + WINDOW - guard + 1)).toEqual({
      ok: false,
      retryAt: new Date(start + WINDOW),
      windowMs: WINDOW,
    });
    const row = await t.db
      .selectFrom('provider_quota')
      .select('used')
      .where('bucket', '=', 'edge')
      .executeTakeFirstOrThrow();
    expect(row.used).toBe(1); // the held request took nothing
    expect(boundaryGuardMs(900_000)).toBe(1_000); // at most a second
  });
});
