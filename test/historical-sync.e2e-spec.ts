import request from 'supertest';
import { sql } from 'kysely';
import { addDays, addMonths, todayIn } from '../src/common/civil-date.js';
import { createTestApp, eventually, type TestApp } from './support/app.js';
import { chunkJobs, createConnection, grantPro } from './support/fixtures.js';
import { TestConnector } from './support/test-connector.js';

// API role only: jobs stay queued, so the tests see exactly what a request created.
describe('historical syncs: entitlements, creation, idempotency, reads', () => {
  let t: TestApp;
  const auth = (user: string) => ({ Authorization: `Bearer ${t.token(user)}` });
  const count = async (table: 'orchestrations' | 'chunks' | 'idempotency_keys') =>
    Number(
      (
        await t.db
          .selectFrom(table)
          .select(sql<number>`count(*)`.as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const jobCount = async () =>
    Number(
      (
        await sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'chunk.process'`.execute(t.db)
      ).rows[0].n,
    );

  beforeAll(async () => {
    t = await createTestApp({ env: { ROLE: 'api' }, connector: new TestConnector() });
  });
  afterAll(() => t.close());

  describe('entitlements (FR-7)', () => {
    it('reads FREE for users never written, PRO once granted, FREE again after expiry', async () => {
      await request(t.http)
        .get('/v1/me/entitlement')
        .set(auth('nobody'))
        .expect(200, { tier: 'FREE', expiresAt: null });
      await grantPro(t, 'ent-pro', '2099-01-01T00:00:00Z');
      await request(t.http)
        .get('/v1/me/entitlement')
        .set(auth('ent-pro'))
        .expect(200, { tier: 'PRO', expiresAt: '2099-01-01T00:00:00.000Z' });
      await grantPro(t, 'ent-expired', '2020-01-01T00:00:00Z');
      const expired = await request(t.http).get('/v1/me/entitlement').set(auth('ent-expired')).expect(200);
      expect(expired.body.tier).toBe('FREE');
    });
  });

  describe('POST /v1/connections/{id}/historical-syncs', () => {
    it('splits a PRO user’s LAST_YEAR into 12 chunks covering the range exactly, with one job each', async () => {
      await grantPro(t, 'alice');
      const connection = await createConnection(t, 'alice', { timezone: 'Europe/Berlin' });
      const res = await request(t.http)
        .post(`/v1/connections/${connection.id}/historical-syncs`)
        .set(auth('alice'))
        .set('Idempotency-Key', 'alice-1')
        .send({ range: { preset: 'LAST_YEAR' } })
        .expect(202);
      const today = todayIn('Europe/Berlin');
      expect(res.headers.location).toBe(`/v1/orchestrations/${res.body.orchestrationId}`);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      expect(res.body).toMatchObject({
        userId: 'alice',
        connectionId: connection.id,
        kind: 'HISTORICAL',
        source: 'fitbit',
        destination: 'strava',
        status: 'PENDING',
        startDate: addDays(addMonths(today, -12), 1),
        endDate: today,
        totalChunks: 12,
        completedChunks: 0,
        failedChunks: 0,
        progressPercent: 0,
        completedAt: null,
        duplicatePolicy: 'SKIP',
        records: { read: 0, imported: 0, skipped: 0, failed: 0 },
      });
      expect(res.body.estimatedSecondsRemaining).toBeGreaterThan(0);
      expect(Date.parse(res.body.estimatedCompletionAt)).toBeGreaterThan(Date.now());

      const chunks = await request(t.http)
        .get(`/v1/orchestrations/${res.body.orchestrationId}/chunks`)
        .set(auth('alice'))
        .expect(200);
      const items = chunks.body.items as Array<{
        index: number;
        chunkStartDate: string;
        chunkEndDate: string;
        status: string;
      }>;
      expect(items).toHaveLength(12);
      expect(items[0].chunkStartDate).toBe(res.body.startDate);
      expect(items[11].chunkEndDate).toBe(today);
      items.forEach((c, k) => {
        expect(c.index).toBe(k);
        expect(c.status).toBe('PENDING');
        if (k > 0) expect(c.chunkStartDate).toBe(addDays(items[k - 1].chunkEndDate, 1));
      });

      const jobs = await chunkJobs(t, res.body.orchestrationId);
      const rows = await t.db
        .selectFrom('chunks')
        .select(['job_id'])
        .where('orchestration_id', '=', res.body.orchestrationId)
        .execute();
      expect(jobs).toHaveLength(12);
      expect(new Set(jobs.map((j) => j.id))).toEqual(new Set(rows.map((r) => r.job_id)));
      expect(jobs.every((j) => j.state === 'created' && j.group_id === 'alice')).toBe(true);
    });

    it('answers a FREE user 403 PRO_REQUIRED with the upsell and creates nothing, whatever the token claims', async () => {
      const connection = await createConnection(t, 'frank');
      const before = [
        await count('orchestrations'),
        await count('chunks'),
        await count('idempotency_keys'),
        await jobCount(),
      ];
      const { default: jwt } = await import('jsonwebtoken');
      const claimsPro = jwt.sign({ sub: 'frank', tier: 'PRO', roles: [] }, t.config.auth.jwtSecret, {
        expiresIn: 3600,
      });
      for (const headers of [auth('frank'), { Authorization: `Bearer ${claimsPro}` }]) {
        const res = await request(t.http)
          .post(`/v1/connections/${connection.id}/historical-syncs`)
          .set(headers)
          .set('Idempotency-Key', 'frank-1')
          .send({ range: { preset: 'LAST_YEAR' } })
          .expect(403);
        expect(res.body).toMatchObject({
          code: 'PRO_REQUIRED',
          upsell: { requiredTier: 'PRO', feature: 'HISTORICAL_SYNC' },
        });
      }
      await grantPro(t, 'frank', '2001-01-01T00:00:00Z'); // an expired PRO is FREE
      await request(t.http)
        .post(`/v1/connections/${connection.id}/historical-syncs`)
        .set(auth('frank'))
        .set('Idempotency-Key', 'frank-2')
        .send({ range: { preset: 'LAST_YEAR' } })
        .expect(403);
      expect([
        await count('orchestrations'),
        await count('chunks'),
        await count('idempotency_keys'),
        await jobCount(),
      ]).toEqual(before);
    });

    it("answers 404 for another user's connection whatever the caller's tier (ownership before entitlement)", async () => {
      const theirs = await createConnection(t, 'gina');
      await grantPro(t, 'hugo');
      for (const caller of ['ivan', 'hugo']) {
        // ivan is FREE, hugo PRO: neither learns anything about gina's connection
        const post = await request(t.http)
          .post(`/v1/connections/${theirs.id}/historical-syncs`)
          .set(auth(caller))
          .set('Idempotency-Key', `${caller}-theirs`)
          .send({ range: { preset: 'LAST_YEAR' } })
          .expect(404);
        expect(post.body).toMatchObject({ code: 'NOT_FOUND' });
        await request(t.http)
          .get(`/v1/connections/${theirs.id}/historical-syncs/estimate`)
          .query({ preset: 'LAST_YEAR' })
          .set(auth(caller))
          .expect(404);
        await request(t.http)
          .get('/v1/connections/not-a-uuid/historical-syncs/estimate')
          .query({ preset: 'LAST_YEAR' })
          .set(auth(caller))
          .expect(404);
      }
      // the FREE caller's own connection still gets the upsell
      const own = await createConnection(t, 'ivan');
      await request(t.http)
        .get(`/v1/connections/${own.id}/historical-syncs/estimate`)
        .query({ preset: 'LAST_YEAR' })
        .set(auth('ivan'))
        .expect(403);
    });

    it('creates exactly one orchestration and 12 jobs from 20 concurrent identical requests', async () => {
      await grantPro(t, 'carol');
      const connection = await createConnection(t, 'carol');
      const send = () =>
        request(t.http)
          .post(`/v1/connections/${connection.id}/historical-syncs`)
          .set(auth('carol'))
          .set('Idempotency-Key', 'carol-concurrent')
          .send({ range: { preset: 'LAST_YEAR' } });
      const responses = await Promise.all(Array.from({ length: 20 }, send));
      const statuses = responses.map((r) => r.status);
      expect(statuses.every((s) => s === 202 || s === 409)).toBe(true);
      const created = responses.filter(
        (r) => r.status === 202 && r.headers['idempotent-replayed'] === undefined,
      );
      expect(created).toHaveLength(1);
      for (const r of responses.filter((r) => r.status === 409))
        expect(r.body.code).toBe('IDEMPOTENCY_KEY_IN_PROGRESS');
      for (const r of responses.filter((r) => r.headers['idempotent-replayed'] === 'true')) {
        expect(r.status).toBe(202);
        expect(r.body).toEqual(created[0].body);
        expect(r.headers.location).toBe(created[0].headers.location);
      }
      const orchestrations = await t.db
        .selectFrom('orchestrations')
        .select('id')
        .where('connection_id', '=', connection.id)
        .execute();
      expect(orchestrations).toHaveLength(1);
      expect(await chunkJobs(t, orchestrations[0].id)).toHaveLength(12);

      const replay = await send().expect(202);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(created[0].body);
    });

    it('answers the same key with another body 422, and a missing key 400', async () => {
      await grantPro(t, 'dave');
      const connection = await createConnection(t, 'dave');
      const url = `/v1/connections/${connection.id}/historical-syncs`;
      await request(t.http)
        .post(url)
        .set(auth('dave'))
        .set('Idempotency-Key', 'dave-1')
        .send({ range: { preset: 'LAST_30_DAYS' } })
        .expect(202);
      const reused = await request(t.http)
        .post(url)
        .set(auth('dave'))
        .set('Idempotency-Key', 'dave-1')
        .send({ range: { preset: 'LAST_YEAR' } })
        .expect(422);
      expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      const missing = await request(t.http)
        .post(url)
        .set(auth('dave'))
        .send({ range: { preset: 'LAST_YEAR' } })
        .expect(400);
      expect(missing.body.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
      const tooLong = await request(t.http)
        .post(url)
        .set(auth('dave'))
        .set('Idempotency-Key', 'k'.repeat(256))
        .send({ range: { preset: 'LAST_YEAR' } })
        .expect(400);
      expect(tooLong.body.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
      // keys are per user: another user may use the same key
      await grantPro(t, 'erin');
      const erins = await createConnection(t, 'erin');
      await request(t.http)
        .post(`/v1/connections/${erins.id}/historical-syncs`)
        .set(auth('erin'))
        .set('Idempotency-Key', 'dave-1')
        .send({ range: { preset: 'LAST_30_DAYS' } })
        .expect(202);
    });

    it('answers 409 SYNC_ALREADY_ACTIVE while the connection has an active historical sync', async () => {
      await grantPro(t, 'gina');
      const connection = await createConnection(t, 'gina');
      const url = `/v1/connections/${connection.id}/historical-syncs`;
      const first = await request(t.http)
        .post(url)
        .set(auth('gina'))
        .set('Idempotency-Key', 'g1')
        .send({ range: { preset: 'LAST_30_DAYS' } })
        .expect(202);
      const second = await request(t.http)
        .post(url)
        .set(auth('gina'))
        .set('Idempotency-Key', 'g2')
        .send({ range: { preset: 'LAST_YEAR' } })
        .expect(409);
      expect(second.body).toMatchObject({
        code: 'SYNC_ALREADY_ACTIVE',
        orchestrationId: first.body.orchestrationId,
      });
      // the failed request stored nothing under its key: after cancelling, the same key works
      await request(t.http)
        .post(`/v1/orchestrations/${first.body.orchestrationId}/cancel`)
        .set(auth('gina'))
        .expect(202);
      await request(t.http)
        .post(url)
        .set(auth('gina'))
        .set('Idempotency-Key', 'g2')
        .send({ range: { preset: 'LAST_YEAR' } })
        .expect(202);
    });

    it('validates the range (422 with field errors) and creates nothing', async () => {
      await grantPro(t, 'hank');
      const connection = await createConnection(t, 'hank');
      const url = `/v1/connections/${connection.id}/historical-syncs`;
      const before = await count('orchestrations');
      const cases: Array<[unknown, string[]]> = [
        [{ range: { preset: 'CUSTOM' } }, ['range.startDate', 'range.endDate']],
        [{ range: { preset: 'SOMETIMES' } }, ['range.preset']],
        [
          { range: { preset: 'CUSTOM', startDate: '2024-02-30', endDate: '2024-03-31' } },
          ['range.startDate'],
        ],
        [
          { range: { preset: 'CUSTOM', startDate: '2024-05-01', endDate: '2024-04-01' } },
          ['range.startDate'],
        ],
        [{ range: { preset: 'CUSTOM', startDate: '2024-05-01', endDate: '2099-01-01' } }, ['range.endDate']],
        [{ range: { preset: 'CUSTOM', startDate: '2001-01-01', endDate: '2024-01-01' } }, ['range']],
        [{}, ['range']],
        [{ range: { preset: 'LAST_YEAR' }, extra: true }, ['extra']],
        [{ range: { preset: 'LAST_YEAR' }, duplicatePolicy: 'MAYBE' }, ['duplicatePolicy']],
      ];
      for (const [body, fields] of cases) {
        const res = await request(t.http)
          .post(url)
          .set(auth('hank'))
          .set('Idempotency-Key', `h-${JSON.stringify(body)}`)
          .send(body as object)
          .expect(422);
        expect(res.body.code).toBe('VALIDATION_FAILED');
        for (const field of fields)
          expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
      expect(await count('orchestrations')).toBe(before);
    });

    it('uses the connection’s time zone for "today"', async () => {
      await grantPro(t, 'ivy');
      const east = await createConnection(t, 'ivy', { timezone: 'Pacific/Kiritimati' });
      const west = await createConnection(t, 'ivy', { timezone: 'Pacific/Pago_Pago' });
      for (const [c, tz] of [
        [east, 'Pacific/Kiritimati'],
        [west, 'Pacific/Pago_Pago'],
      ] as const) {
        const res = await request(t.http)
          .post(`/v1/connections/${c.id}/historical-syncs`)
          .set(auth('ivy'))
          .set('Idempotency-Key', tz)
          .send({ range: { preset: 'LAST_30_DAYS' } })
          .expect(202);
        expect(res.body.endDate).toBe(todayIn(tz));
      }
    });

    it('answers 404 for another user’s connection or an unknown one', async () => {
      await grantPro(t, 'mallory');
      const alices = await createConnection(t, 'alice');
      for (const id of [alices.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
        const res = await request(t.http)
          .post(`/v1/connections/${id}/historical-syncs`)
          .set(auth('mallory'))
          .set('Idempotency-Key', `m-${id}`)
          .send({ range: { preset: 'LAST_YEAR' } })
          .expect(404);
        expect(res.body.code).toBe('NOT_FOUND');
      }
    });
  });

  describe('estimate (FR-2)', () => {
    it('gives chunks, API calls and seconds, warning when the provider quota dominates', async () => {
      await grantPro(t, 'jane');
      const connection = await createConnection(t, 'jane');
      const res = await request(t.http)
        .get(`/v1/connections/${connection.id}/historical-syncs/estimate?preset=LAST_YEAR`)
        .set(auth('jane'))
        .expect(200);
      expect(res.body).toMatchObject({ totalChunks: 12, endDate: todayIn('UTC') });
      expect(res.body.estimatedApiCalls.source).toBeGreaterThan(12);
      expect(res.body.estimatedApiCalls.destination).toBeGreaterThan(100);
      expect(res.body.estimatedSeconds).toBeGreaterThan(900);
      expect(res.body.warnings.map((w: { code: string }) => w.code)).toContain('PROVIDER_RATE_LIMIT');
      const bad = await request(t.http)
        .get(`/v1/connections/${connection.id}/historical-syncs/estimate?preset=CUSTOM`)
        .set(auth('jane'))
        .expect(422);
      expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['startDate', 'endDate']);
      // another user's connection: 404 before any Pro check (a FREE caller learns nothing either)
      await request(t.http)
        .get(`/v1/connections/${connection.id}/historical-syncs/estimate?preset=LAST_YEAR`)
        .set(auth('nobody-free'))
        .expect(404);
    });
  });

  describe('reads', () => {
    let id: string;
    beforeAll(async () => {
      await grantPro(t, 'kim');
      const connection = await createConnection(t, 'kim');
      const res = await request(t.http)
        .post(`/v1/connections/${connection.id}/historical-syncs`)
        .set(auth('kim'))
        .set('Idempotency-Key', 'k1')
        .send({ range: { preset: 'CUSTOM', startDate: '2025-01-15', endDate: '2025-04-14' } })
        .expect(202);
      id = res.body.orchestrationId;
    });

    it('serves the status with an ETag and answers 304 to If-None-Match', async () => {
      const res = await request(t.http).get(`/v1/orchestrations/${id}/status`).set(auth('kim')).expect(200);
      expect(Object.keys(res.body).sort()).toEqual(
        [
          'completedChunks',
          'estimatedCompletionAt',
          'estimatedSecondsRemaining',
          'failedChunks',
          'orchestrationId',
          'progressPercent',
          'records',
          'status',
          'totalChunks',
          'updatedAt',
          'waiting',
        ].sort(),
      );
      expect(res.body).toMatchObject({
        orchestrationId: id,
        totalChunks: 3,
        status: 'PENDING',
        records: { read: 0, imported: 0, skipped: 0, failed: 0 },
      });
      const etag = res.headers.etag;
      expect(etag).toMatch(/^W\/"/);
      const again = await request(t.http)
        .get(`/v1/orchestrations/${id}/status`)
        .set(auth('kim'))
        .set('If-None-Match', etag)
        .expect(304);
      expect(again.text ?? '').toBe('');
      await request(t.http)
        .get(`/v1/orchestrations/${id}`)
        .set(auth('kim'))
        .set('If-None-Match', etag)
        .expect(304);
      await t.db
        .updateTable('orchestrations')
        .set({ completed_chunks: 1, updated_at: new Date() })
        .where('id', '=', id)
        .execute();
      // the status cache drops the row when PostgreSQL's NOTIFY arrives (milliseconds after the commit)
      const changed = await eventually(async () => {
        const res = await request(t.http)
          .get(`/v1/orchestrations/${id}/status`)
          .set(auth('kim'))
          .set('If-None-Match', etag);
        return res.status === 200 ? res : undefined;
      }, 10_000);
      expect(changed.body.completedChunks).toBe(1);
      expect(changed.body.progressPercent).toBe(33.3);
      expect(changed.headers.etag).not.toBe(etag);
    });

    it('hides another user’s orchestration behind 404', async () => {
      for (const path of ['', '/status', '/chunks']) {
        const res = await request(t.http)
          .get(`/v1/orchestrations/${id}${path}`)
          .set(auth('mallory'))
          .expect(404);
        expect(res.body.code).toBe('NOT_FOUND');
        expect(JSON.stringify(res.body)).not.toContain('kim');
      }
      for (const action of ['pause', 'resume', 'cancel']) {
        await request(t.http).post(`/v1/orchestrations/${id}/${action}`).set(auth('mallory')).expect(404);
      }
      await request(t.http)
        .post(`/v1/orchestrations/${id}/retry-failed`)
        .set(auth('mallory'))
        .set('Idempotency-Key', 'x')
        .expect(404);
    });

    it('filters chunks by status and pages them', async () => {
      const pending = await request(t.http)
        .get(`/v1/orchestrations/${id}/chunks?status=PENDING`)
        .set(auth('kim'))
        .expect(200);
      expect(pending.body.items).toHaveLength(3);
      expect(pending.body.items.map((c: { chunkStartDate: string }) => c.chunkStartDate)).toEqual([
        '2025-01-15',
        '2025-02-15',
        '2025-03-15',
      ]);
      const failed = await request(t.http)
        .get(`/v1/orchestrations/${id}/chunks?status=FAILED`)
        .set(auth('kim'))
        .expect(200);
      expect(failed.body.items).toEqual([]);
      const first = await request(t.http)
        .get(`/v1/orchestrations/${id}/chunks?limit=2`)
        .set(auth('kim'))
        .expect(200);
      expect(first.body.items).toHaveLength(2);
      const second = await request(t.http)
        .get(`/v1/orchestrations/${id}/chunks?limit=2&cursor=${first.body.nextCursor}`)
        .set(auth('kim'))
        .expect(200);
      expect(second.body.items.map((c: { index: number }) => c.index)).toEqual([2]);
      expect(second.body.nextCursor).toBeNull();
      await request(t.http).get(`/v1/orchestrations/${id}/chunks?status=BROKEN`).set(auth('kim')).expect(422);
    });

    it('lists the caller’s orchestrations newest first with a cursor', async () => {
      await grantPro(t, 'leo');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const c = await createConnection(t, 'leo');
        const res = await request(t.http)
          .post(`/v1/connections/${c.id}/historical-syncs`)
          .set(auth('leo'))
          .set('Idempotency-Key', `leo-${i}`)
          .send({ range: { preset: 'LAST_30_DAYS' } })
          .expect(202);
        ids.push(res.body.orchestrationId);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: request.Response = await request(t.http)
          .get(`/v1/orchestrations?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
          .set(auth('leo'))
          .expect(200);
        seen.push(...res.body.items.map((o: { orchestrationId: string }) => o.orchestrationId));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
      const filtered = await request(t.http)
        .get('/v1/orchestrations?status=COMPLETED')
        .set(auth('leo'))
        .expect(200);
      expect(filtered.body).toEqual({ items: [], nextCursor: null });
      await request(t.http).get('/v1/orchestrations?limit=0').set(auth('leo')).expect(422);
      await request(t.http).get('/v1/orchestrations?limit=101').set(auth('leo')).expect(422);
      await request(t.http).get('/v1/orchestrations?cursor=nonsense').set(auth('leo')).expect(422);
    });
  });
});
