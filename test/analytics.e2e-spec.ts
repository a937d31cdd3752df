import request from 'supertest';
import { createTestApp, eventually, type TestApp } from './support/app.js';
import { createConnection, grantPro } from './support/fixtures.js';
import { TestConnector } from './support/test-connector.js';

/** Linear interpolation between closest ranks, as PostgreSQL's percentile_cont computes it. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const low = Math.floor(rank);
  return sorted[low] + (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low]) * (rank - low);
}

describe('analytics: the PRD’s success metrics, in the summary and in /metrics', () => {
  let t: TestApp;
  const connector = new TestConnector();
  const failing = new Map<string, 'one' | 'all'>([
    ['u2', 'one'],
    ['u6', 'all'],
  ]);

  beforeAll(async () => {
    connector.behaviorFor = (work) => {
      const mode = failing.get(work.userId);
      if (mode === 'all' || (mode === 'one' && work.startDate.endsWith('-07-01')))
        return { kind: 'permanent' };
      return { kind: 'ok', delayMs: 20 + Math.floor(Math.random() * 80) };
    };
    t = await createTestApp({ connector, env: { CHUNK_USER_CONCURRENCY: '2' } });
  });
  afterAll(() => t.close());

  const as = (user: string) => ({ Authorization: `Bearer ${t.token(user)}` });
  const start = async (user: string, range: object, key: string) => {
    const connection = await createConnection(t, user);
    const res = await request(t.http)
      .post(`/v1/connections/${connection.id}/historical-syncs`)
      .set(as(user))
      .set('Idempotency-Key', key)
      .send({ range });
    return res;
  };
  const settled = (user: string, id: string) =>
    eventually(
      async () => {
        const o = (await request(t.http).get(`/v1/orchestrations/${id}`).set(as(user))).body;
        return ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED'].includes(o.status) ? o : undefined;
      },
      60_000,
      `orchestration ${id}`,
    );

  it('reports exactly the counts and percentiles computed independently', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    // four FREE users meet the upsell; two of them buy Pro afterwards, one more user is Pro without it
    for (const user of ['u1', 'u2', 'u3', 'u4'])
      expect((await start(user, { preset: 'LAST_YEAR' }, `free-${user}`)).status).toBe(403);
    for (const user of ['u1', 'u2', 'u5', 'u6']) await grantPro(t, user);

    const a = (await start('u1', { preset: 'LAST_YEAR' }, 'a')).body.orchestrationId;
    const b = (await start('u2', { preset: 'CUSTOM', startDate: '2025-01-01', endDate: '2025-12-31' }, 'b'))
      .body.orchestrationId;
    const c = (await start('u5', { preset: 'CUSTOM', startDate: '2024-01-01', endDate: '2024-03-31' }, 'c'))
      .body.orchestrationId;
    const d = (await start('u6', { preset: 'CUSTOM', startDate: '2023-01-01', endDate: '2023-12-31' }, 'd'))
      .body.orchestrationId;
    expect([
      (await settled('u1', a)).status,
      (await settled('u2', b)).status,
      (await settled('u5', c)).status,
      (await settled('u6', d)).status,
    ]).toEqual(['COMPLETED', 'COMPLETED_WITH_ERRORS', 'COMPLETED', 'FAILED']);
    failing.delete('u2');
    await request(t.http)
      .post(`/v1/orchestrations/${b}/retry-failed`)
      .set(as('u2'))
      .set('Idempotency-Key', 'b-retry')
      .expect(202);
    await eventually(
      async () =>
        (await request(t.http).get(`/v1/orchestrations/${b}`).set(as('u2'))).body.status === 'COMPLETED',
      60_000,
      'the retry round',
    );

    // independent computation from the orchestration rows
    const rows = await t.db
      .selectFrom('orchestrations')
      .selectAll()
      .where('kind', '=', 'HISTORICAL')
      .execute();
    const firstRound = await t.db
      .selectFrom('orchestration_completions')
      .selectAll()
      .where('round', '=', 1)
      .execute();
    const outcomeOf = (id: string) => firstRound.find((f) => f.orchestration_id === id)!.status;
    const outcomes = [a, b, c, d].map(outcomeOf);
    const completed = outcomes.filter((s) => s === 'COMPLETED').length;
    const withErrors = outcomes.filter((s) => s === 'COMPLETED_WITH_ERRORS').length;
    const failed = outcomes.filter((s) => s === 'FAILED').length;
    expect(completed + withErrors + failed).toBe(4);
    expect([completed, withErrors, failed]).toEqual([2, 1, 1]);
    const oneYearIds = [a, b]; // 1-year syncs that finished (d failed; c is three months)
    // request to first completion, from the orchestration and its completion row
    const durations = oneYearIds.map((id) => {
      const created = rows.find((r) => r.id === id)!.created_at.getTime();
      const done = firstRound.find((f) => f.orchestration_id === id)!.created_at.getTime();
      return Math.round((done - created) / 1000);
    });
    expect(durations.every((s) => s >= 0)).toBe(true);

    const summary = (
      await request(t.http).get(`/v1/admin/analytics/summary?from=${from}`).set(as('ops')).expect(403)
    ).body;
    expect(summary.code).toBe('FORBIDDEN');
    const res = await request(t.http)
      .get(`/v1/admin/analytics/summary?from=${from}`)
      .set({ Authorization: `Bearer ${t.token('ops', ['admin'])}` })
      .expect(200);
    expect(res.body).toMatchObject({
      syncsInitiated: 4,
      outcomes: { completed, completedWithErrors: withErrors, failed },
      jobSuccessRate: completed / 4,
      oneYearCompletion: {
        count: durations.length,
        p50Seconds: percentile(durations, 0.5),
        p90Seconds: percentile(durations, 0.9),
      },
      upsell: { usersShown: 4, usersConverted: 2, conversionRate: 0.5 },
    });
    expect(res.body.syncsInitiatedPerWeek.reduce((s: number, w: { count: number }) => s + w.count, 0)).toBe(
      4,
    );
    await request(t.http)
      .get('/v1/admin/analytics/summary?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z')
      .set({ Authorization: `Bearer ${t.token('ops', ['admin'])}` })
      .expect(422);

    // Prometheus: the same counts, by outcome, and the chunk counters
    const metrics = (await request(t.http).get('/metrics').expect(200)).text;
    const value = (pattern: RegExp) => Number(pattern.exec(metrics)?.[1] ?? 0);
    const allCompletions = await t.db.selectFrom('orchestration_completions').selectAll().execute();
    const count = (status: string) => allCompletions.filter((x) => x.status === status).length;
    expect(value(/syncwell_syncs_completed_total\{kind="HISTORICAL",outcome="COMPLETED"\} (\d+)/)).toBe(
      count('COMPLETED'),
    );
    expect(
      value(/syncwell_syncs_completed_total\{kind="HISTORICAL",outcome="COMPLETED_WITH_ERRORS"\} (\d+)/),
    ).toBe(count('COMPLETED_WITH_ERRORS'));
    expect(value(/syncwell_syncs_completed_total\{kind="HISTORICAL",outcome="FAILED"\} (\d+)/)).toBe(
      count('FAILED'),
    );
    const chunks = await t.db.selectFrom('chunks').select(['status']).execute();
    const retried = await t.db
      .selectFrom('analytics_events')
      .select('id')
      .where('type', '=', 'CHUNK_RETRIED')
      .execute();
    expect(value(/syncwell_chunks_total\{outcome="completed"\} (\d+)/)).toBe(
      chunks.filter((x) => x.status === 'COMPLETED').length,
    );
    expect(value(/syncwell_chunks_total\{outcome="failed"\} (\d+)/)).toBe(
      chunks.filter((x) => x.status === 'FAILED').length + retried.length,
    );
    expect(value(/syncwell_sync_completion_seconds_count\{range="1y",kind="HISTORICAL"\} (\d+)/)).toBe(
      allCompletions.filter((x) => x.orchestration_id !== c).length,
    );
    expect(value(/syncwell_sync_completion_seconds_count\{range="90d",kind="HISTORICAL"\} (\d+)/)).toBe(1);
    expect(metrics).toMatch(/syncwell_queue_depth\{queue="chunk.process",state="ready"\} \d+/);
  });
});
