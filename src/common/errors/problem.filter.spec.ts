import { ProblemException } from './problem.exception.js';
import type { Logger } from '@nestjs/common';
import { toProblem, toProblemAnswer } from './problem.filter.js';
import {
  ProviderAppCredentialsError,
  ProviderAuthError,
  ProviderGrantRevokedError,
  ProviderRateLimitedError,
  ProviderUnavailableError,
} from '../../modules/providers/provider-errors.js';

describe('toProblemAnswer: provider and database faults are never a 500', () => {
  it('a provider rate limit is 503 PROVIDER_UNAVAILABLE with Retry-After until the reset', () => {
    const { problem, headers } = toProblemAnswer(
      new ProviderRateLimitedError('strava', new Date(Date.now() + 42_000)),
    );
    expect(problem).toMatchObject({ status: 503, code: 'PROVIDER_UNAVAILABLE' });
    expect(Number(headers?.['Retry-After'])).toBeGreaterThanOrEqual(41);
  });

  it.each([
    ['a provider outage', new ProviderUnavailableError('fitbit', 'HTTP 503')],
    ['a token endpoint timeout', new ProviderUnavailableError('strava', 'timed out', 'token')],
    ['our client credentials refused', new ProviderAppCredentialsError('strava', 'invalid_client')],
  ])('%s is 503 PROVIDER_UNAVAILABLE with Retry-After', (_name, error) => {
    const { problem, headers } = toProblemAnswer(error);
    expect(problem).toMatchObject({ status: 503, code: 'PROVIDER_UNAVAILABLE' });
    expect(headers?.['Retry-After']).toMatch(/^\d+$/);
  });

  it.each([
    ['a refused code', new ProviderAuthError('fitbit', 'invalid_grant')],
    ['a revoked grant', new ProviderGrantRevokedError('strava', 'invalid_grant')],
  ])('%s is 422 PROVIDER_AUTH_FAILED', (_name, error) => {
    expect(toProblemAnswer(error).problem).toMatchObject({ status: 422, code: 'PROVIDER_AUTH_FAILED' });
  });

  it.each([
    [
      'ECONNREFUSED',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    ['a terminated connection', new Error('Connection terminated unexpectedly')],
    ['admin shutdown', Object.assign(new Error('terminating connection'), { code: '57P01' })],
    ['a pool connect timeout', new Error('timeout exceeded when trying to connect')],
  ])('the database unreachable (%s) is 503 SERVICE_UNAVAILABLE with Retry-After', (_name, error) => {
    const { problem, headers } = toProblemAnswer(error);
    expect(problem).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    expect(problem.detail).not.toMatch(/ECONNREFUSED|5432/);
    expect(headers?.['Retry-After']).toBe('5');
  });

  it('leaves other errors as they were', () => {
    expect(toProblemAnswer(new ProblemException(409, 'INVALID_STATE', 'no')).problem.status).toBe(409);
    expect(toProblemAnswer(new Error('bug')).problem).toMatchObject({ status: 500, code: 'INTERNAL' });
  });
});

describe('toProblem: the database data-error safety net', () => {
  const logger = () => {
    const calls = { error: 0, warn: 0 };
    return {
      calls,
      logger: {
        error: () => void calls.error++,
        warn: () => void calls.warn++,
      } as unknown as Logger,
    };
  };

  it('answers any SQLSTATE class 22 error with 422, logged as a warning without the value', () => {
    for (const code of ['22021', '22P05', '22001', '22003', '22007']) {
      const { calls, logger: log } = logger();
      const error = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00 (secret)'), {
        code,
      });
      const problem = toProblem(error, log);
      expect(problem).toMatchObject({ status: 422, code: 'VALIDATION_FAILED' });
      expect(JSON.stringify(problem)).not.toContain('secret');
      expect(calls).toEqual({ error: 0, warn: 1 });
    }
  });

  it('still answers other database errors with a logged 500', () => {
    const { calls, logger: log } = logger();
    const problem = toProblem(Object.assign(new Error('deadlock detected'), { code: '40P01' }), log);
    expect(problem).toMatchObject({ status: 500, code: 'INTERNAL' });
    expect(calls.error).toBe(1);
    expect(toProblem(Object.assign(new Error('x'), { code: 22021 }), log).status).toBe(500);
  });

  it('answers a body beyond the depth or key limits with 422', () => {
    const problem = toProblem(Object.assign(new Error('deep'), { type: 'entity.shape.exceeded' }));
    expect(problem).toMatchObject({ status: 422, code: 'VALIDATION_FAILED' });
  });
});
