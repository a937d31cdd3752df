import {
  ChunkRecordsFailedError,
  FatalSyncError,
  PermanentChunkError,
  RecordsDeferredError,
  RetryableChunkError,
} from '../../chunks/chunk-errors.js';
import {
  AmbiguousWriteError,
  ProviderAppCredentialsError,
  ProviderAuthError,
  ProviderGrantRevokedError,
  ProviderPermissionDeniedError,
  ProviderRateLimitedError,
  ProviderUnavailableError,
} from '../../providers/provider-errors.js';
import { chunkOutcomeOf, FULL_SPREAD_WAITERS, RELEASE_SPREAD, releaseDelay } from './chunk-outcome.js';

const dbError = (code: string, message = 'db') => Object.assign(new Error(message), { code });

describe('chunkOutcomeOf: what a failure means for the chunk', () => {
  const at = new Date(Date.now() + 60_000);
  it.each([
    ['a rate limit', new ProviderRateLimitedError('strava', at), 'reschedule', 'PROVIDER_RATE_LIMITED'],
    ['a 5xx / timeout', new ProviderUnavailableError('fitbit', 'HTTP 503'), 'wait', 'PROVIDER_UNAVAILABLE'],
    [
      'a token endpoint outage',
      new ProviderUnavailableError('strava', 'HTTP 502', 'token'),
      'wait',
      'PROVIDER_UNAVAILABLE',
    ],
    ['an ambiguous write', new AmbiguousWriteError('strava', 'timed out'), 'wait', 'PROVIDER_UNAVAILABLE'],
    [
      'one request failing while the provider answers others (a list page)',
      new ProviderUnavailableError('fitbit', 'HTTP 500', 'api', undefined, {
        request: 'GET /x',
        status: 500,
      }),
      'retry',
      'PROVIDER_UNAVAILABLE',
    ],
    [
      'records waiting for another try after record faults',
      new RecordsDeferredError('1 record', at),
      'defer',
      'PROVIDER_RECORD_ERROR',
    ],
    [
      'records failed for good with record faults',
      new ChunkRecordsFailedError('record 7 failed'),
      'permanent',
      'PROVIDER_RECORD_ERROR',
    ],
    [
      'our client credentials refused',
      new ProviderAppCredentialsError('strava', 'invalid_client', 'token'),
      'wait',
      'PROVIDER_APP_CREDENTIALS_REJECTED',
    ],
    [
      'a revoked grant',
      new ProviderGrantRevokedError('strava', 'invalid_grant', 'token', 'acc-1'),
      'reauth',
      'PROVIDER_AUTH_REVOKED',
    ],
    [
      'a missing permission',
      new ProviderPermissionDeniedError('strava', '403'),
      'fatal',
      'PROVIDER_PERMISSION_DENIED',
    ],
    ['a rejected code', new ProviderAuthError('fitbit', 'bad code'), 'fatal', 'PROVIDER_AUTH_FAILED'],
    [
      'the database down',
      dbError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
      'wait',
      'SERVICE_UNAVAILABLE',
    ],
    [
      'the database restarting',
      dbError('57P01', 'terminating connection due to administrator command'),
      'wait',
      'SERVICE_UNAVAILABLE',
    ],
    ['a deadlock', dbError('40P01', 'deadlock detected'), 'wait', 'TRANSACTION_CONFLICT'],
    ['a serialization failure', dbError('40001'), 'wait', 'TRANSACTION_CONFLICT'],
    [
      'a fatal engine error',
      new FatalSyncError('PROVIDER_ACCOUNT_MISSING', 'gone'),
      'fatal',
      'PROVIDER_ACCOUNT_MISSING',
    ],
    [
      'bad data for the chunk',
      new PermanentChunkError('PROVIDER_BAD_REQUEST', 'HTTP 400'),
      'permanent',
      'PROVIDER_BAD_REQUEST',
    ],
    ['another retryable error', new RetryableChunkError('X', 'x'), 'retry', 'X'],
    ['an unknown error', new Error('boom'), 'retry', 'CHUNK_ERROR'],
  ])('%s -> %s', (_name, error, kind, code) => {
    const outcome = chunkOutcomeOf(error);
    expect(outcome.kind).toBe(kind);
    expect(outcome.error.code).toBe(code);
  });

  it('keeps the reset time of a rate limit and the account of a revoked grant', () => {
    expect(chunkOutcomeOf(new ProviderRateLimitedError('strava', at))).toMatchObject({ retryAt: at });
    expect(chunkOutcomeOf(new ProviderGrantRevokedError('strava', 'x', 'api', 'acc-9'))).toMatchObject({
      accountId: 'acc-9',
      provider: 'strava',
    });
    expect(chunkOutcomeOf(new ProviderAppCredentialsError('strava', 'x'))).toMatchObject({ alert: true });
  });
});

describe('releaseDelay: waiters for a spent budget wake spread out, 7-day syncs first', () => {
  const window = 900_000;
  const at = new Date(Date.now() + 60_000);
  it('releases an automatic 7-day sync within half a second of the reset', () => {
    expect(releaseDelay('INITIAL_7_DAY', { windowMs: window }, () => 0.999)).toBeLessThan(500);
  });
  it('spreads backfill chunks over the first quarter of the next window', () => {
    const delays = [0, 0.25, 0.5, 0.75, 0.999].map((r) =>
      releaseDelay('HISTORICAL', { windowMs: window }, () => r),
    );
    expect(delays[0]).toBe(0);
    expect(delays[4]).toBeLessThan(window * RELEASE_SPREAD);
    expect(delays[4]).toBeGreaterThan(window * RELEASE_SPREAD * 0.99);
    expect(new Set(delays).size).toBe(5);
  });
  it('narrows the spread for a few waiters: 4 of them wake within 4 % of the quarter', () => {
    const few = releaseDelay('HISTORICAL', { windowMs: window }, () => 0.999, Infinity, 4);
    expect(few).toBeLessThan(window * RELEASE_SPREAD * 0.04);
    expect(few).toBeGreaterThan(window * RELEASE_SPREAD * 0.039);
    // the boundary: from FULL_SPREAD_WAITERS on, the whole quarter
    const many = releaseDelay(
      'HISTORICAL',
      { windowMs: window },
      () => 0.999,
      Infinity,
      FULL_SPREAD_WAITERS * 3,
    );
    expect(many).toBeGreaterThan(window * RELEASE_SPREAD * 0.99);
  });
  it("spreads a daily window's waiters no wider than the cap", () => {
    expect(releaseDelay('HISTORICAL', { windowMs: 86_400_000 }, () => 0.999, 225_000)).toBeLessThan(225_000);
  });
  it('carries the spent window from the quota error to the outcome', () => {
    const outcome = chunkOutcomeOf(new ProviderRateLimitedError('strava', at, 'spent', 'api', window));
    expect(outcome).toMatchObject({ kind: 'reschedule', windowMs: window });
  });
});
