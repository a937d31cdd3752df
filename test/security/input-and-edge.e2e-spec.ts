import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import request from 'supertest';
import { createTestApp, type TestApp } from '../support/app.js';
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

describe('security: input that cannot crash anything, content types, explicit admin bodies', () => {
  let t: TestApp;
  const errors = jest.spyOn(Logger.prototype, 'error');
  const admin = () => ({ Authorization: `Bearer ${t.token('root', ['admin'])}` });
  const call = (method: 'get' | 'post' | 'put' | 'delete', path: string) => request(t.http)[method](path);

  beforeAll(async () => {
    t = await createTestApp({
      env: { ROLE: 'api' },
      connector: new TestConnector(),
    });
    await grantPro(t, 'root'); // the historical-sync route checks the entitlement before the body
    // ... and, before that, that the connection is the caller's (404 otherwise): root's own
    const own = await createConnection(t, 'root');
    BODIES[1].path = `/v1/connections/${own.id}/historical-syncs`;
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
      .post(BODIES[1].path)
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
});
