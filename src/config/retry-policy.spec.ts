import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './app-config.js';
import { backoffMs, outageWaitMs, recordRetryAt, retryPolicy } from './retry-policy.js';

describe('the retry policy', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'syncwell-retry-')); // the generated local secrets
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const policy = retryPolicy(
    loadConfig({
      DATA_DIR: dataDir,
      PROVIDER_RETRIES: '3',
      PROVIDER_OUTAGE_MAX_SECONDS: '600',
      RECORD_FAULT_ATTEMPTS: '5',
      RECORD_FAULT_RETRY_SECONDS: '20',
      CHUNK_RETRY_LIMIT: '7',
    }),
  );

  it('takes what operators tune from the configuration', () => {
    expect(policy.request.retries).toBe(3);
    expect(policy.outage.maxWaitMs).toBe(600_000);
    expect(policy.recordFault).toMatchObject({ attempts: 5, firstRetryMs: 20_000 });
    expect(policy.chunk.retryLimit).toBe(7);
  });

  it.each([
    // status, transient
    [408, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [501, false], // not implemented: asking again does not help
    [429, false], // a quota answer, handled as such
    [400, false],
    [404, false],
  ])('HTTP %i is retried in the request: %s', (status, transient) => {
    expect(policy.request.transientStatus.has(status)).toBe(transient);
  });

  it.each([
    // attempt, lowest, highest (ms): 0.5 s, 1 s, 2 s... each between half and all of it
    [1, 250, 500],
    [2, 500, 1000],
    [3, 1000, 2000],
    [10, 4000, 8000], // capped
  ])('request try %i waits %i-%i ms', (attempt, low, high) => {
    expect(backoffMs(policy.request.backoff, attempt, () => 0)).toBe(low);
    expect(backoffMs(policy.request.backoff, attempt, () => 1)).toBe(high);
  });

  it.each([
    // outage so far (ms), lowest, highest: a quarter of it, 2 s to 5 min, the upper half jittered
    [0, 1000, 2000],
    [40_000, 5000, 10_000],
    [3_600_000, 150_000, 300_000],
  ])('an outage of %i ms waits %i-%i ms more', (outage, low, high) => {
    expect(outageWaitMs(policy.outage, outage, () => 0)).toBe(low);
    expect(outageWaitMs(policy.outage, outage, () => 1)).toBe(high);
  });

  it('tries a faulty record again 1x, 3x, 9x its first delay after its last failure', () => {
    expect([1, 2, 3].map((count) => recordRetryAt(policy.recordFault, 1000, count))).toEqual([
      21_000, 61_000, 181_000,
    ]);
  });
});
