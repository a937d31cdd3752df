import { TokenRefreshProcess } from './token-refresh-process.js';

describe('TokenRefreshProcess.close: a shutdown waits for the refreshes in flight', () => {
  const refresher = () =>
    new TokenRefreshProcess({
      databaseUrl: () => 'postgres://unused',
      key: Buffer.alloc(32),
      saveSql: '',
      saveRetryMs: 0,
    });
  const inFlight = (t: TokenRefreshProcess) => (t as unknown as { calls: Map<number, unknown> }).calls;

  it('returns only once the refresh in flight has its answer', async () => {
    const t = refresher();
    inFlight(t).set(1, () => undefined);
    let closed = false;
    const closing = t.close(5_000).then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toBe(false);
    inFlight(t).delete(1); // the answer (and its save) arrived
    await closing;
    expect(closed).toBe(true);
  });

  it('gives up after its grace period', async () => {
    const t = refresher();
    inFlight(t).set(1, () => undefined);
    const started = Date.now();
    await t.close(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});
