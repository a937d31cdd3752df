import request from 'supertest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createTestApp, type TestApp } from './support/app.js';

describe('foundation: HTTP conventions, health, metrics, docs', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { HTTP_BODY_LIMIT: '2kb' } });
  });
  afterAll(() => t.close());

  it('reports liveness and readiness of the database and the queue', async () => {
    await request(t.http).get('/health/live').expect(200, { status: 'ok' });
    const ready = await request(t.http).get('/health/ready').expect(200);
    expect(ready.body.details).toMatchObject({ database: { status: 'up' }, queue: { status: 'up' } });
  });

  it('answers /v1 without a token with 401 problem+json', async () => {
    const res = await request(t.http).get('/v1/me/entitlement').expect(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      status: 401,
      code: 'UNAUTHENTICATED',
      title: expect.any(String),
      type: expect.stringMatching(/^https:\/\//),
    });
  });

  it('rejects a token signed with another secret, an expired one, and one with another algorithm', async () => {
    const { default: jwt } = await import('jsonwebtoken');
    const wrong = jwt.sign({ sub: 'alice' }, 'another-secret-another-secret-another-secret', {
      algorithm: 'HS256',
    });
    const expired = jwt.sign(
      { sub: 'alice', exp: Math.floor(Date.now() / 1000) - 10 },
      t.config.auth.jwtSecret,
    );
    const none = jwt.sign({ sub: 'alice' }, '', { algorithm: 'none' });
    for (const token of [wrong, expired, none, 'garbage']) {
      const res = await request(t.http)
        .get('/v1/me/entitlement')
        .set('Authorization', `Bearer ${token}`)
        .expect(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
    }
  });

  it('stops accepting a token at its exp, even one it has accepted before', async () => {
    const { default: jwt } = await import('jsonwebtoken');
    const exp = Math.floor(Date.now() / 1000) + 3;
    const token = jwt.sign({ sub: 'alice', exp }, t.config.auth.jwtSecret, { algorithm: 'HS256' });
    for (let i = 0; i < 2; i++)
      await request(t.http).get('/v1/me/entitlement').set('Authorization', `Bearer ${token}`).expect(200);
    // a token differing in one signature character is refused while the accepted one is still valid
    const sig = token.lastIndexOf('.') + 1;
    const tampered = token.slice(0, sig) + (token[sig] === 'A' ? 'B' : 'A') + token.slice(sig + 1);
    await request(t.http).get('/v1/me/entitlement').set('Authorization', `Bearer ${tampered}`).expect(401);
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 50));
    const res = await request(t.http)
      .get('/v1/me/entitlement')
      .set('Authorization', `Bearer ${token}`)
      .expect(401);
    expect(res.body).toMatchObject({ code: 'UNAUTHENTICATED', detail: 'The token has expired' });
  });

  it('answers an unknown route with 404 problem+json', async () => {
    const res = await request(t.http)
      .get('/v1/nope')
      .set('Authorization', `Bearer ${t.token('alice')}`)
      .expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'NOT_FOUND', status: 404, instance: '/v1/nope' });
    await request(t.http).get('/nope').expect(404);
  });

  it('answers malformed JSON with 400 problem+json and no parser internals', async () => {
    const res = await request(t.http)
      .put('/v1/admin/users/bob/entitlement')
      .set('Authorization', `Bearer ${t.token('root', ['admin'])}`)
      .set('Content-Type', 'application/json')
      .send('{"tier": "PRO",')
      .expect(400);
    expect(res.body).toMatchObject({
      code: 'MALFORMED_REQUEST',
      detail: 'The request body is not valid JSON',
    });
    expect(typeof res.body.requestId).toBe('string');
  });

  it('answers an oversized body with 413 problem+json', async () => {
    const res = await request(t.http)
      .put('/v1/admin/users/bob/entitlement')
      .set('Authorization', `Bearer ${t.token('root', ['admin'])}`)
      .send({ tier: 'PRO', padding: 'x'.repeat(5000) })
      .expect(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers an invalid body with 422 VALIDATION_FAILED listing each field, changing nothing', async () => {
    const admin = t.token('root', ['admin']);
    const res = await request(t.http)
      .put('/v1/admin/users/bob/entitlement')
      .set('Authorization', `Bearer ${admin}`)
      .send({ tier: 'GOLD', expiresAt: 'tomorrow', extra: 1 })
      .expect(422);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'expiresAt',
      'extra',
      'tier',
    ]);
    for (const body of [[], 'PRO', null]) {
      const r = await request(t.http)
        .put('/v1/admin/users/bob/entitlement')
        .set('Authorization', `Bearer ${admin}`)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(body));
      expect([400, 422]).toContain(r.status);
      expect(r.headers['content-type']).toMatch(/problem\+json/);
    }
    const row = await t.db
      .selectFrom('entitlements')
      .selectAll()
      .where('user_id', '=', 'bob')
      .executeTakeFirst();
    expect(row).toBeUndefined();
  });

  it('keeps admin routes for admins (403 FORBIDDEN otherwise)', async () => {
    const res = await request(t.http)
      .put('/v1/admin/users/bob/entitlement')
      .set('Authorization', `Bearer ${t.token('alice')}`)
      .send({ tier: 'PRO' })
      .expect(403);
    expect(res.body.code).toBe('FORBIDDEN');
  });

  it('echoes a well-formed X-Request-Id and makes one up otherwise', async () => {
    const mine = await request(t.http).get('/health/live').set('X-Request-Id', 'req-123').expect(200);
    expect(mine.headers['x-request-id']).toBe('req-123');
    const other = await request(t.http)
      .get('/health/live')
      .set('X-Request-Id', 'bad id with spaces')
      .expect(200);
    expect(other.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('exposes Prometheus metrics with the HTTP latency histogram by route template', async () => {
    await request(t.http)
      .get('/v1/orchestrations/00000000-0000-4000-8000-000000000000')
      .set('Authorization', `Bearer ${t.token('alice')}`);
    const res = await request(t.http).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('process_cpu_user_seconds_total');
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/v1\/orchestrations\/:id",status_code="404"\} 1/,
    );
  });

  it('serves a valid OpenAPI 3 document covering the contract routes', async () => {
    const res = await request(t.http).get('/docs/openapi.json').expect(200);
    const result = await new Validator().validate(res.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const paths = Object.keys(res.body.paths);
    for (const path of [
      '/v1/admin/users/{userId}/entitlement',
      '/v1/me/entitlement',
      '/v1/connections/{connectionId}/historical-syncs',
      '/v1/connections/{connectionId}/historical-syncs/estimate',
      '/v1/orchestrations',
      '/v1/orchestrations/{id}',
      '/v1/orchestrations/{id}/status',
      '/v1/orchestrations/{id}/chunks',
      '/v1/orchestrations/{id}/retry-failed',
      '/v1/orchestrations/{id}/pause',
      '/v1/orchestrations/{id}/resume',
      '/v1/orchestrations/{id}/cancel',
      '/health/live',
      '/health/ready',
      '/metrics',
    ]) {
      expect(paths).toContain(path);
    }
    await request(t.http).get('/docs').expect(200).expect('Content-Type', /html/);
  });
});

describe('Grafana dashboard', () => {
  it('charts only metrics the service exposes', async () => {
    const { readFileSync } = await import('node:fs');
    const t = await createTestApp();
    try {
      const exposed = (await request(t.http).get('/metrics').expect(200)).text;
      const dashboard = readFileSync(
        new URL('../deploy/grafana/syncwell-historical-sync.json', import.meta.url),
        'utf8',
      );
      const names = new Set(
        [
          ...dashboard.matchAll(
            /\b(syncwell_\w+|http_request_duration_seconds\w*|process_resident_memory_bytes|nodejs_eventloop_lag_p99_seconds)\b/g,
          ),
        ].map((m) => m[1].replace(/_(bucket|count|sum)$/, '')),
      );
      expect(names.size).toBeGreaterThan(10);
      for (const name of names) expect(exposed).toContain(`# HELP ${name} `);
    } finally {
      await t.close();
    }
  });
});
