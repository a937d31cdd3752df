import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { createTestApp, TEST_JWT_SECRET, type TestApp } from '../support/app.js';
import { createConnection, grantPro } from '../support/fixtures.js';
import { TestConnector } from '../support/test-connector.js';

const REDIRECT = 'http://127.0.0.1:8765/oauth/callback';
const NUL = 'a\u0000b';
const LONE_SURROGATE = 'a\ud800b';

/** Valid-looking bodies of every route with a body; each string leaf is a field class to poison. */
const BODIES: Array<{ method: 'post' | 'put'; path: string; body: Record<string, unknown> }> = [
  {
    method: 'post',
    path: '/v1/connections',
    body: {
      source: { provider: 'fitbit', authorizationCode: 'c', redirectUri: REDIRECT, state: 's' },
      destination: { provider: 'strava', authorizationCode: 'c', redirectUri: REDIRECT, state: 's' },
      timezone: 'UTC',
    },
  },
  {
    method: 'post',
    path: `/v1/connections/${randomUUID()}/historical-syncs`,
    body: { range: { preset: 'CUSTOM', startDate: '2024-01-01', endDate: '2024-02-01' } },
  },
  { method: 'post', path: '/v1/devices', body: { platform: 'android', token: 'device-token' } },
  {
    method: 'put',
    path: '/v1/admin/users/someone/entitlement',
    body: { tier: 'PRO', expiresAt: '2030-01-01T00:00:00Z' },
  },
  {
    method: 'post',
    path: '/v1/admin/dead-letters/redrive',
    body: { queue: 'chunk.dead', ids: [randomUUID()] },
  },
];

/** Every copy of `body` with one string leaf replaced by `poison`, with the leaf's path. */
function poisoned(body: unknown, poison: string, path = ''): Array<{ field: string; body: unknown }> {
  if (typeof body === 'string') return [{ field: path, body: poison }];
  if (Array.isArray(body)) {
    return body.flatMap((item, i) =>
      poisoned(item, poison, `${path}[${i}]`).map((p) => ({
        field: p.field,
        body: body.map((x, j) => (j === i ? p.body : x)),
      })),
    );
  }
  if (body && typeof body === 'object') {
    return Object.entries(body).flatMap(([k, v]) =>
      poisoned(v, poison, path ? `${path}.${k}` : k).map((p) => ({
        field: p.field,
        body: { ...body, [k]: p.body },
      })),
    );
  }
  return [];
}

describe('security: input that cannot crash anything, the HTTP edge, tokens, caps', () => {
  let t: TestApp;
  const errors = jest.spyOn(Logger.prototype, 'error');
  const admin = () => ({ Authorization: `Bearer ${t.token('root', ['admin'])}` });
  const call = (method: 'get' | 'post' | 'put' | 'delete', path: string) => request(t.http)[method](path);

  beforeAll(async () => {
    t = await createTestApp({
      env: { ROLE: 'api', MAX_DEVICES_PER_USER: '2', MAX_ACTIVE_HISTORICAL_SYNCS_PER_USER: '1' },
      connector: new TestConnector(),
    });
    await grantPro(t, 'root'); // the historical-sync route checks the entitlement before the body
  });
  afterAll(() => t.close());
  beforeEach(() => errors.mockClear());
  afterEach(() => expect(errors).not.toHaveBeenCalled()); // no error-level log line for a 4xx

  it('answers a depth bomb and a key bomb on every body route with 422, never 500', async () => {
    const arrays = '['.repeat(20_000) + ']'.repeat(20_000);
    const objects = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const keys = JSON.stringify(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, 0])));
    for (const { method, path } of BODIES) {
      for (const bomb of [arrays, objects, keys]) {
        const res = await call(method, path).set(admin()).set('Content-Type', 'application/json').send(bomb);
        expect([path, res.status, res.body.code]).toEqual([path, 422, 'VALIDATION_FAILED']);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    }
    // the same bomb nested under a legitimate field is refused the same way
    const nested = `{"range":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    await request(t.http)
      .post(`/v1/connections/${randomUUID()}/historical-syncs`)
      .set(admin())
      .set('Idempotency-Key', 'k')
      .set('Content-Type', 'application/json')
      .send(nested)
      .expect(422);
  });

  it('refuses NUL bytes and lone surrogates in every string field of every body with 422', async () => {
    for (const { method, path, body } of BODIES) {
      for (const poison of [NUL, LONE_SURROGATE]) {
        for (const variant of poisoned(body, poison)) {
          const res = await call(method, path)
            .set(admin())
            .set('Idempotency-Key', randomUUID())
            .send(variant.body as object);
          expect([path, variant.field, res.status, res.body.code]).toEqual([
            path,
            variant.field,
            422,
            'VALIDATION_FAILED',
          ]);
        }
      }
      // in a key, too
      const res = await call(method, path)
        .set(admin())
        .set('Idempotency-Key', randomUUID())
        .send({ ...body, [NUL]: 1 });
      expect(res.status).toBe(422);
    }
    expect(await t.db.selectFrom('devices').selectAll().execute()).toHaveLength(0);
  });

  it('refuses NUL bytes in query strings and path parameters with 422', async () => {
    const cases = [
      `/v1/orchestrations?status=${encodeURIComponent(NUL)}`,
      `/v1/orchestrations?cursor=${encodeURIComponent(NUL)}`,
      `/v1/connections/authorize-url?provider=fitbit&redirectUri=${encodeURIComponent(REDIRECT)}&loginHint=${encodeURIComponent(NUL)}`,
      `/v1/orchestrations/${encodeURIComponent(NUL)}`,
      `/v1/admin/dead-letters?queue=${encodeURIComponent(NUL)}`,
    ];
    for (const path of cases) {
      const res = await request(t.http).get(path).set(admin());
      expect([path, res.status]).toEqual([path, 422]);
    }
    const put = await request(t.http)
      .put(`/v1/admin/users/${encodeURIComponent(NUL)}/entitlement`)
      .set(admin())
      .send({ tier: 'PRO' });
    expect(put.status).toBe(422);
  });

  it('answers 415 for a body that is not JSON, so a mis-sent redrive is never "everything"', async () => {
    for (const [type, body] of [
      ['text/plain', '{"all":true}'],
      ['application/x-www-form-urlencoded', 'all=true'],
      ['application/xml', '<all/>'],
    ]) {
      const res = await request(t.http)
        .post('/v1/admin/dead-letters/redrive')
        .set(admin())
        .set('Content-Type', type)
        .send(body);
      expect([type, res.status, res.body.code]).toEqual([type, 415, 'UNSUPPORTED_MEDIA_TYPE']);
    }
    // no content type at all, with a body
    const raw = await request(t.http)
      .post('/v1/devices')
      .set(admin())
      .set('Content-Type', '')
      .send(Buffer.from('{"platform":"android","token":"x"}'));
    expect(raw.status).toBe(415);
    // a body-less action route still works without a content type
    await request(t.http).post(`/v1/orchestrations/${randomUUID()}/pause`).set(admin()).expect(404);
  });

  it('needs an explicit redrive target and writes every redrive to the audit log with the admin id', async () => {
    for (const body of [undefined, {}, { limit: 5 }, { all: false }, { all: true, queue: 'chunk.dead' }]) {
      const req = request(t.http).post('/v1/admin/dead-letters/redrive').set(admin());
      const res = body === undefined ? await req : await req.send(body);
      expect([body, res.status]).toEqual([body, 422]);
    }
    const redrives = () =>
      t.db.selectFrom('admin_audit_log').selectAll().where('action', '=', 'dead-letters.redrive').execute();
    expect(await redrives()).toHaveLength(0);
    await request(t.http)
      .post('/v1/admin/dead-letters/redrive')
      .set(admin())
      .send({ all: true })
      .expect(200, { redriven: 0, skipped: 0 });
    const log = await redrives();
    expect(log).toEqual([
      expect.objectContaining({ admin_id: 'root', action: 'dead-letters.redrive', target: 'all' }),
    ]);
    expect(log[0].details).toMatchObject({ request: { all: true }, result: { redriven: 0 } });
  });

  it('requires exp, bounds the lifetime, honours nbf and iat, and refuses a NUL in sub', async () => {
    const now = Math.floor(Date.now() / 1000);
    const sign = (claims: object) => jwt.sign(claims, TEST_JWT_SECRET, { algorithm: 'HS256' });
    const refused = {
      'no exp': sign({ sub: 'mia', iat: now }),
      'no exp, no iat': jwt.sign({ sub: 'mia' }, TEST_JWT_SECRET, { noTimestamp: true }),
      'lifetime over the maximum': sign({ sub: 'mia', iat: now, exp: now + 86_400 + 60 }),
      'no iat, exp too far': jwt.sign({ sub: 'mia', exp: now + 90_000 }, TEST_JWT_SECRET, {
        noTimestamp: true,
      }),
      'iat in the future': sign({ sub: 'mia', iat: now + 600, exp: now + 1200 }),
      'nbf in the future': sign({ sub: 'mia', iat: now, nbf: now + 600, exp: now + 1200 }),
      'NUL in sub': sign({ sub: NUL, iat: now, exp: now + 600 }),
      'lone surrogate in sub': sign({ sub: LONE_SURROGATE, iat: now, exp: now + 600 }),
    };
    for (const [what, token] of Object.entries(refused)) {
      for (let i = 0; i < 2; i++) {
        const res = await request(t.http).get('/v1/me/entitlement').set('Authorization', `Bearer ${token}`);
        expect([what, res.status, res.body.code]).toEqual([what, 401, 'UNAUTHENTICATED']);
      }
    }
    await request(t.http)
      .get('/v1/me/entitlement')
      .set('Authorization', `Bearer ${sign({ sub: 'mia', iat: now, exp: now + 600 })}`)
      .expect(200);
  });

  it('sends the security headers on /v1 and /docs, with a CSP the Swagger UI works under', async () => {
    const api = await request(t.http).get('/v1/me/entitlement').set(admin()).expect(200);
    const unauthenticated = await request(t.http).get('/v1/me/entitlement').expect(401);
    const docs = await request(t.http).get('/docs').expect(200);
    for (const res of [api, unauthenticated, docs]) {
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'strict-transport-security': expect.stringContaining('max-age=31536000'),
        'content-security-policy': expect.stringContaining("frame-ancestors 'none'"),
      });
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
    const csp = docs.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("connect-src 'self'");
    // every script of the page is a same-origin file (no inline script the CSP would block)
    const scripts = [...docs.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, inline] of scripts) {
      expect(inline.trim()).toBe('');
      const src = /src="([^"]+)"/.exec(attrs)![1];
      expect(src).not.toMatch(/^(https?:)?\/\//);
      await request(t.http).get(new URL(src, 'http://x/docs').pathname).expect(200);
    }
    const init = await request(t.http).get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('openapi');
  });

  it('caps the devices of a user (the same token again is still fine)', async () => {
    const auth = { Authorization: `Bearer ${t.token('dev-user')}` };
    await request(t.http).post('/v1/devices').set(auth).send({ platform: 'ios', token: 't1' }).expect(201);
    await request(t.http).post('/v1/devices').set(auth).send({ platform: 'ios', token: 't2' }).expect(201);
    await request(t.http).post('/v1/devices').set(auth).send({ platform: 'ios', token: 't1' }).expect(200);
    const res = await request(t.http).post('/v1/devices').set(auth).send({ platform: 'ios', token: 't3' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'DEVICE_LIMIT_REACHED', limit: 2 });
  });

  it('caps the concurrent HISTORICAL syncs of a user', async () => {
    await grantPro(t, 'cap-user');
    const auth = { Authorization: `Bearer ${t.token('cap-user')}` };
    const [a, b] = [await createConnection(t, 'cap-user'), await createConnection(t, 'cap-user')];
    const start = (id: string) =>
      request(t.http)
        .post(`/v1/connections/${id}/historical-syncs`)
        .set(auth)
        .set('Idempotency-Key', randomUUID())
        .send({ range: { preset: 'LAST_30_DAYS' } });
    const first = await start(a.id);
    expect(first.status).toBe(202);
    const second = await start(b.id);
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'SYNC_LIMIT_REACHED', limit: 1 });
    await request(t.http)
      .post(`/v1/orchestrations/${first.body.orchestrationId}/cancel`)
      .set(auth)
      .expect(202);
    expect((await start(b.id)).status).toBe(202);
  });

  it('never answers 500 to a fuzz of every documented route', async () => {
    const doc = (await request(t.http).get('/docs/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const payloads: Array<[string | undefined, string]> = [
      ['application/json', '['.repeat(30_000) + ']'.repeat(30_000)],
      ['application/json', JSON.stringify({ x: 'y'.repeat(90_000) })],
      ['application/json', JSON.stringify({ a: NUL, b: [LONE_SURROGATE], c: { d: NUL } })],
      ['application/json', '[1,2,3]'],
      ['application/json', '"text"'],
      ['application/json', '12'],
      ['application/json', 'null'],
      ['application/json', '{"unterminated":'],
      ['application/json', JSON.stringify({ range: 5, source: [], token: {}, tier: null, ids: 'x' })],
      ['text/plain', 'hello'],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
      ],
      [undefined, ''],
    ];
    let requests = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const method of Object.keys(item).filter((m) => ['get', 'post', 'put', 'delete'].includes(m))) {
        for (const param of [randomUUID(), NUL, 'x'.repeat(1000), '%ZZ']) {
          const url =
            path.replace(/\{[^}]+\}/g, encodeURIComponent(param)) +
            `?limit=${encodeURIComponent(param)}&cursor=${encodeURIComponent(param)}&status=${encodeURIComponent(param)}`;
          for (const [type, body] of payloads) {
            let req = call(method as 'get', url)
              .set(admin())
              .set('Idempotency-Key', 'fuzz');
            if (type) req = req.set('Content-Type', type);
            const res = await (method === 'get' || body === '' ? req : req.send(body));
            requests++;
            expect([method, path, type, res.status < 500]).toEqual([method, path, type, true]);
          }
        }
      }
    }
    expect(requests).toBeGreaterThan(500);
  });
  // last: passport keeps one 'jwt' strategy per process, so the second app's settings apply from here on
  it('checks iss and aud when configured', async () => {
    const strict = await createTestApp({
      databaseUrl: t.databaseUrl,
      env: { ROLE: 'api', JWT_ISSUER: 'https://auth.syncwell.test', JWT_AUDIENCE: 'syncwell-api' },
    });
    try {
      const now = Math.floor(Date.now() / 1000);
      const sign = (claims: object) =>
        jwt.sign({ sub: 'ned', iat: now, exp: now + 600, ...claims }, TEST_JWT_SECRET);
      const get = (token: string) =>
        request(strict.http).get('/v1/me/entitlement').set('Authorization', `Bearer ${token}`);
      await get(sign({ iss: 'https://auth.syncwell.test', aud: 'syncwell-api' })).expect(200);
      await get(sign({ iss: 'https://evil.example', aud: 'syncwell-api' })).expect(401);
      await get(sign({ iss: 'https://auth.syncwell.test', aud: 'another-api' })).expect(401);
      await get(sign({})).expect(401);
    } finally {
      await strict.close();
    }
  });
});
