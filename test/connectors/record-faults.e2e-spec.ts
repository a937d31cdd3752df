import request from 'supertest';
import {
  chunksOf,
  connectedUser,
  connectedFitbitToStrava,
  expectNoDuplicates,
  finished,
  putJson,
  simAccount,
  startProviderStack,
  startSync,
  stravaActivities,
  type ProviderStack,
} from '../support/providers.js';
import { eventually } from '../support/app.js';
import { recordKey } from '../../src/modules/providers/ledger/sync-ledger.repository.js';

/**
 * Fault isolation (issue 25): one record whose request the provider keeps failing costs its chunk,
 * never the sync's timeline; a provider that is down still waits without using attempts.
 */
describe('record faults and outages', () => {
  let stack: ProviderStack;

  beforeAll(async () => {
    stack = await startProviderStack({
      env: {
        RECORD_FAULT_ATTEMPTS: '3',
        RECORD_FAULT_RETRY_SECONDS: '0.3',
        PROVIDER_RETRIES: '1',
        CHUNK_USER_CONCURRENCY: '2',
        STRAVA_UPLOAD_FIRST_POLL_MS: '150',
        STRAVA_UPLOAD_POLL_MS: '50',
      },
      sim: { uploadProcessingMs: 100 },
    });
  });
  afterAll(() => stack.close());

  const as = (user: string) => ({ Authorization: `Bearer ${stack.t.token(user)}` });
  const report = async (user: string, id: string) =>
    (
      await request(stack.t.http)
        .get(`/v1/orchestrations/${id}/records`)
        .query({ limit: 100 })
        .set(as(user))
        .expect(200)
    ).body.items as Array<Record<string, any>>;
  const notices = async (user: string, id: string, code: string) =>
    (
      (await request(stack.t.http).get('/v1/notifications').set(as(user)).expect(200)).body.items as Array<
        Record<string, any>
      >
    ).filter((n) => n.orchestrationId === id && n.code === code);
  const plant = (account: string, point: unknown) =>
    fetch(`${stack.sims.google.url}/_sim/accounts/${account}/raw`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(point),
    });

  /** An October exercise with GPS at this Google account (`withSummary`: one whose TCX export works). */
  const octoberGpsPoint = async (account: string, withSummary = true) => {
    const points = (await simAccount(stack.sims.google, account)).dataPoints as Array<Record<string, any>>;
    const point = points.find(
      (p) =>
        p.exercise.interval.startTime >= '2026-10-05' &&
        p.exercise.interval.startTime < '2026-10-25' &&
        p.exercise.exerciseMetadata?.hasGps === true &&
        (!withSummary || p.exercise.metricsSummary),
    );
    expect(point).toBeDefined();
    return point!;
  };

  it('a workout whose export Google keeps failing fails its record and chunk, not the sync; retry-failed imports it once', async () => {
    const { t } = stack;
    const connection = await connectedFitbitToStrava(stack, 'pr', 150);
    await request(t.http)
      .post('/v1/devices')
      .set(as('pr'))
      .send({ platform: 'android', token: 'pr-phone' })
      .expect(201);
    // an October exercise with GPS whose TCX export answers 500 every time (no metrics summary)
    const original = await octoberGpsPoint('pr-fitbit');
    const recordId = String(original.name).split('/').at(-1)!;
    const { metricsSummary: _dropped, ...broken } = original.exercise;
    expect((await plant('pr-fitbit', { ...original, exercise: broken })).status).toBe(201);

    const id = await startSync(t, 'pr', connection.id, {
      preset: 'CUSTOM',
      startDate: '2026-09-01',
      endDate: '2026-11-30',
    });
    const done = await finished(t, 'pr', id, 120_000);
    expect(done).toMatchObject({
      status: 'COMPLETED_WITH_ERRORS',
      totalChunks: 3,
      completedChunks: 2,
      failedChunks: 1,
      waiting: null,
    });
    expect(done.lastError).toMatchObject({ code: 'PROVIDER_RECORD_ERROR' });
    expect(done.lastError.message).toContain(recordId);

    const failedChunk = (await chunksOf(t, 'pr', id)).find((c) => c.status === 'FAILED')!;
    expect(failedChunk.chunkStartDate).toBe('2026-10-01');
    expect(failedChunk.lastError).toMatchObject({ code: 'PROVIDER_RECORD_ERROR', retryable: true });
    expect(failedChunk.lastError.message).toContain(`Source record ${recordId}`);

    const rows = await report('pr', id);
    const row = rows.find((r) => r.sourceRecordId === recordId)!;
    expect(row).toMatchObject({ status: 'FAILED', reason: { code: 'PROVIDER_RECORD_ERROR' } });
    expect(row.reason.message).toMatch(/fitbit answered HTTP 500 to GET \S+:exportExerciseTcx/);
    // the chunk's other records went on
    const others = rows.filter((r) => r.chunkId === failedChunk.chunkId && r.sourceRecordId !== recordId);
    expect(others.length).toBeGreaterThan(0);
    expect(others.every((r) => r.status === 'IMPORTED')).toBe(true);
    expect(await notices('pr', id, 'N-06')).toHaveLength(1);

    // Google answers again: retry-failed re-runs the chunk and imports the record, once
    expect((await plant('pr-fitbit', original)).status).toBe(201);
    await request(t.http)
      .post(`/v1/orchestrations/${id}/retry-failed`)
      .set(as('pr'))
      .set('Idempotency-Key', 'pr-retry')
      .expect(202);
    const again = await finished(t, 'pr', id, 120_000);
    expect(again).toMatchObject({
      status: 'COMPLETED',
      failedChunks: 0,
      completedChunks: 3,
      lastError: null,
    });
    const retried = (await report('pr', id)).find((r) => r.sourceRecordId === recordId)!;
    expect(retried).toMatchObject({ status: 'IMPORTED', reason: null });
    const landed = await stravaActivities(stack, 'pr-strava');
    expectNoDuplicates(landed);
    expect(landed.filter((a) => String(a.id) === retried.destination.recordId)).toHaveLength(1);
    expect(rows.filter((r) => r.status === 'IMPORTED').length + 1).toBe(
      landed.filter((a) => a.start_date >= '2026-08-31' && a.start_date < '2026-12-01').length,
    );
    expect(await notices('pr', id, 'N-05')).toHaveLength(1);
    expect(await notices('pr', id, 'N-06')).toHaveLength(1);
  }, 240_000);

  it('an upload Strava keeps failing fails its record and chunk; once Strava takes it, retry-failed writes it once', async () => {
    const { t, sims } = stack;
    const connection = await connectedFitbitToStrava(stack, 'pw', 150);
    const poisoned = await octoberGpsPoint('pw-fitbit', false);
    const recordId = String(poisoned.name).split('/').at(-1)!;
    const key = recordKey(
      { provider: 'strava', externalUserId: connection.destination.externalUserId },
      { provider: 'fitbit', id: recordId },
    );
    await putJson(`${sims.strava.url}/_sim/faults`, { 'uploads.create': { poison: [`${key}.fit`] } });
    try {
      const id = await startSync(t, 'pw', connection.id, {
        preset: 'CUSTOM',
        startDate: '2026-09-01',
        endDate: '2026-11-30',
      });
      const done = await finished(t, 'pw', id, 120_000);
      expect(done).toMatchObject({ status: 'COMPLETED_WITH_ERRORS', completedChunks: 2, failedChunks: 1 });
      expect(done.lastError).toMatchObject({ code: 'PROVIDER_RECORD_ERROR' });
      const row = (await report('pw', id)).find((r) => r.sourceRecordId === recordId)!;
      expect(row).toMatchObject({ status: 'FAILED', reason: { code: 'PROVIDER_RECORD_ERROR' } });
      expect(row.reason.message).toMatch(/strava answered HTTP 500 to POST \/uploads when writing it/);
      const rows = await report('pw', id);
      expect(rows.filter((r) => r.status === 'FAILED')).toHaveLength(1);
      expect(rows.filter((r) => r.status === 'PENDING')).toHaveLength(0);
    } finally {
      await fetch(`${sims.strava.url}/_sim/faults`, { method: 'DELETE' });
    }
    const [orchestration] = (
      await request(t.http).get('/v1/orchestrations').query({ status: 'COMPLETED_WITH_ERRORS' }).set(as('pw'))
    ).body.items as Array<Record<string, any>>;
    await request(t.http)
      .post(`/v1/orchestrations/${orchestration.orchestrationId}/retry-failed`)
      .set(as('pw'))
      .set('Idempotency-Key', 'pw-retry')
      .expect(202);
    const again = await finished(t, 'pw', orchestration.orchestrationId, 120_000);
    expect(again).toMatchObject({ status: 'COMPLETED', failedChunks: 0, lastError: null });
    const landed = await stravaActivities(stack, 'pw-strava');
    expectNoDuplicates(landed);
    expect(landed.filter((a) => a.external_id === `${key}.fit`)).toHaveLength(1);
  }, 240_000);

  it('Strava to Fitbit: a read and a write that keep failing in one chunk fail both records and that chunk only', async () => {
    const { t, sims } = stack;
    const { connection } = await connectedUser(stack, 'sf', {
      from: 'strava',
      to: 'fitbit',
      historyDays: 150,
    });
    const october = (
      (await simAccount(sims.strava, 'sf-strava')).activities as Array<Record<string, any>>
    ).filter((a) => a.start_date_local >= '2026-10-03' && a.start_date_local < '2026-10-28');
    const tracked = october.filter((a) => a.map?.summary_polyline);
    expect(tracked.length).toBeGreaterThanOrEqual(1);
    const unreadable = String(tracked[0].id);
    const unwritable = String(october.find((a) => String(a.id) !== unreadable)!.id);
    const key = recordKey(
      { provider: 'fitbit', externalUserId: connection.destination.externalUserId },
      { provider: 'strava', id: unwritable },
    );
    await putJson(`${sims.strava.url}/_sim/faults`, { 'streams.get': { poison: [unreadable] } });
    await putJson(`${sims.google.url}/_sim/faults`, {
      'dataPoints.create': { poison: [key], poisonStatus: 503 },
    });
    try {
      const id = await startSync(t, 'sf', connection.id, {
        preset: 'CUSTOM',
        startDate: '2026-09-01',
        endDate: '2026-11-30',
      });
      const done = await finished(t, 'sf', id, 120_000);
      expect(done).toMatchObject({ status: 'COMPLETED_WITH_ERRORS', completedChunks: 2, failedChunks: 1 });
      const rows = await report('sf', id);
      const failed = rows.filter((r) => r.status === 'FAILED');
      expect(failed.map((r) => r.sourceRecordId).sort()).toEqual([unreadable, unwritable].sort());
      expect(failed.every((r) => r.reason.code === 'PROVIDER_RECORD_ERROR')).toBe(true);
      expect(failed.find((r) => r.sourceRecordId === unreadable)!.reason.message).toMatch(
        /strava answered HTTP 500 to GET \/activities\/\d+\/streams when reading it/,
      );
      expect(failed.find((r) => r.sourceRecordId === unwritable)!.reason.message).toMatch(
        /fitbit answered HTTP 503 to POST \S+dataPoints when writing it/,
      );
      expect(rows.filter((r) => r.status === 'PENDING')).toHaveLength(0);
      const chunk = (await chunksOf(t, 'sf', id)).find((c) => c.status === 'FAILED')!;
      expect(chunk.lastError.message).toContain('and 1 more record');
    } finally {
      await fetch(`${sims.strava.url}/_sim/faults`, { method: 'DELETE' });
      await fetch(`${sims.google.url}/_sim/faults`, { method: 'DELETE' });
    }
  }, 240_000);

  it('a one-chunk sync whose only chunk fails on a record fault ends COMPLETED_WITH_ERRORS, not FAILED', async () => {
    const { t } = stack;
    const connection = await connectedFitbitToStrava(stack, 'oc', 90);
    const original = await octoberGpsPoint('oc-fitbit');
    const { metricsSummary: _dropped, ...broken } = original.exercise;
    expect((await plant('oc-fitbit', { ...original, exercise: broken })).status).toBe(201);
    const id = await startSync(t, 'oc', connection.id, {
      preset: 'CUSTOM',
      startDate: '2026-10-01',
      endDate: '2026-10-31',
    });
    const done = await finished(t, 'oc', id, 120_000);
    expect(done).toMatchObject({ status: 'COMPLETED_WITH_ERRORS', totalChunks: 1, failedChunks: 1 });
    expect(done.lastError).toMatchObject({ code: 'PROVIDER_RECORD_ERROR' });
    expect(done.records.imported).toBeGreaterThan(0);
    expect(done.records.failed).toBe(1);
  }, 240_000);

  it('a whole-provider outage waits without using attempts, says so in `waiting`, and completes when it ends', async () => {
    const { t, sims } = stack;
    const connection = await connectedFitbitToStrava(stack, 'ow', 60);
    await putJson(`${sims.google.url}/_sim/faults`, { '*': { errorRate: 1, errorStatus: 503 } });
    try {
      const id = await startSync(t, 'ow', connection.id, {
        preset: 'CUSTOM',
        startDate: '2026-10-01',
        endDate: '2026-10-31',
      });
      const status = await eventually(
        async () => {
          const res = await request(t.http).get(`/v1/orchestrations/${id}/status`).set(as('ow')).expect(200);
          return res.body.waiting ? res.body : undefined;
        },
        60_000,
        'the sync to say it waits for Fitbit',
      );
      expect(status.waiting).toMatchObject({ reason: 'PROVIDER_UNAVAILABLE', provider: 'fitbit' });
      expect(Date.parse(status.waiting.since)).toBeLessThanOrEqual(Date.now());
      expect(status.status).toMatch(/PENDING|IN_PROGRESS/);
      await new Promise((r) => setTimeout(r, 8_000)); // several waits go by
      const [chunk] = await chunksOf(t, 'ow', id);
      expect(chunk).toMatchObject({ status: expect.stringMatching(/PENDING|RUNNING/) });
      expect(chunk.attempts).toBeLessThanOrEqual(1);
      expect(chunk.lastError).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
      await fetch(`${sims.google.url}/_sim/faults`, { method: 'DELETE' });
      const done = await finished(t, 'ow', id, 120_000);
      expect(done).toMatchObject({ status: 'COMPLETED', failedChunks: 0, waiting: null, lastError: null });
      expect((await report('ow', id)).every((r) => r.status === 'IMPORTED')).toBe(true);
    } finally {
      await fetch(`${sims.google.url}/_sim/faults`, { method: 'DELETE' });
    }
  }, 240_000);
});
