import request from 'supertest';
import { createTestApp, type TestApp } from '../support/app.js';

// Two API replicas on one database: the budgets are counted in PostgreSQL, so they hold across both.
describe('security: per-user and per-IP rate limits shared by replicas', () => {
  let a: TestApp;
  let b: TestApp;
  const env = {
    ROLE: 'api',
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_USER_REQUESTS: '5',
    RATE_LIMIT_USER_WINDOW_SECONDS: '3600',
    RATE_LIMIT_IP_REQUESTS: '12',
    RATE_LIMIT_IP_WINDOW_SECONDS: '3600',
  };

  beforeAll(async () => {
    a = await createTestApp({ env });
    b = await createTestApp({ env, databaseUrl: a.databaseUrl });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  const get = (app: TestApp, user?: string) => {
    const req = request(app.http).get('/v1/me/entitlement');
    return user ? req.set('Authorization', `Bearer ${app.token(user)}`) : req;
  };

  it('spends one user budget across both replicas, then answers 429 RATE_LIMITED with Retry-After', async () => {
    const remaining: string[] = [];
    for (const app of [a, b, a, b, a]) {
      const res = await get(app, 'rita').expect(200);
      expect(res.headers['ratelimit-limit']).toBe('5');
      remaining.push(res.headers['ratelimit-remaining']);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    for (const app of [b, a]) {
      const res = await get(app, 'rita').expect(429);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(3600);
      expect(res.headers['ratelimit-remaining']).toBe('0');
    }
    // another user has a budget of their own
    await get(b, 'sam').expect(200);
  });

  it('counts every /v1 request of an address, authenticated or not, across both replicas', async () => {
    // 8 requests so far from this address; 4 more are allowed
    for (const app of [a, b, a, b]) await get(app).expect(401);
    const res = await get(b).expect(429);
    expect(res.body.code).toBe('RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    await get(a, 'tom').expect(429); // a fresh user from a spent address is refused too
    // health, metrics and docs are not part of the budget
    await request(a.http).get('/health/live').expect(200);
    await request(b.http).get('/docs/openapi.json').expect(200);
  });

  it('documents the limits, their headers and the 429 answer in OpenAPI', async () => {
    const doc = (await request(a.http).get('/docs/openapi.json').expect(200)).body;
    expect(doc.info.description).toContain('5 requests per 3600 s');
    const op = doc.paths['/v1/me/entitlement'].get;
    expect(op.responses['429'].headers).toHaveProperty('Retry-After');
    expect(op.responses['200'].headers).toHaveProperty('RateLimit-Remaining');
    const create = doc.paths['/v1/connections'].post;
    expect(create.responses).toHaveProperty('415');
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      if (!path.startsWith('/v1/')) continue;
      for (const o of Object.values(item)) expect(o.responses).toHaveProperty('429');
    }
  });
});
