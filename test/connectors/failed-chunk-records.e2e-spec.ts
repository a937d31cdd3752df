import request from 'supertest';
import {
  chunksOf,
  connectedFitbitToStrava,
  finished,
  startRevocationStack,
  startSync,
  type ProviderStack,
  putJson,
} from '../support/providers.js';

/**
 * A chunk that fails for good (the destination answers 400 to everything): the records it had read
 * are reported FAILED with the chunk's error, not left PENDING, and counted in `records.failed`.
 */
describe('the import report of a failed chunk', () => {
  let stack: ProviderStack;

  beforeAll(async () => {
    stack = await startRevocationStack();
  });
  afterAll(() => stack.close());

  it('reports the records a failed chunk read as FAILED, with its error', async () => {
    const { sims, t } = stack;
    const connection = await connectedFitbitToStrava(stack, 'fa', 90);
    await putJson(`${sims.strava.url}/_sim/faults`, { '*': { errorRate: 1, errorStatus: 400 } });
    try {
      const id = await startSync(t, 'fa', connection.id, {
        preset: 'CUSTOM',
        startDate: '2026-09-01',
        endDate: '2026-10-31',
      });
      const done = await finished(t, 'fa', id);
      expect(done).toMatchObject({ status: 'FAILED', failedChunks: 2 });
      const chunks = await chunksOf(t, 'fa', id);
      expect(chunks.every((c) => c.status === 'FAILED')).toBe(true);
      const report = await request(t.http)
        .get(`/v1/orchestrations/${id}/records`)
        .query({ limit: 100 })
        .set('Authorization', `Bearer ${t.token('fa')}`)
        .expect(200);
      const items = report.body.items as Array<Record<string, any>>;
      expect(items.length).toBeGreaterThan(0);
      expect(items.filter((r) => r.status === 'PENDING')).toEqual([]);
      const failed = items.filter((r) => r.status === 'FAILED');
      expect(failed.length).toBe(items.length);
      expect(failed[0].reason).toMatchObject({ code: chunks[0].lastError.code });
      expect(done.records).toMatchObject({ read: items.length, failed: items.length, imported: 0 });
    } finally {
      await fetch(`${sims.strava.url}/_sim/faults`, { method: 'DELETE' });
    }
  }, 300_000);
});
