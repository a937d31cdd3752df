import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { createTestApp, TEST_JWT_SECRET, type TestApp } from '../support/app.js';
import { createConnection, grantPro } from '../support/fixtures.js';
import { TestConnector } from '../support/test-connector.js';

const NUL = 'a\u0000b';
const LONE_SURROGATE = 'a\ud800b';

describe('security: tokens, security headers, per-user caps', () => {
  let t: TestApp;
  const errors = jest.spyOn(Logger.prototype, 'error');
  const admin = () => ({ Authorization: `Bearer ${t.token('root', ['admin'])}` });

  beforeAll(async () => {
    t = await createTestApp({
      env: { ROLE: 'api', MAX_DEVICES_PER_USER: '2', MAX_ACTIVE_HISTORICAL_SYNCS_PER_USER: '1' },
      connector: new TestConnector(),
    });
  });
  afterAll(() => t.close());
  beforeEach(() => errors.mockClear());
  afterEach(() => expect(errors).not.toHaveBeenCalled()); // no error-level log line for a 4xx

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
