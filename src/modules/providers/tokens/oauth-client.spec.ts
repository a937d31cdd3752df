import { jest } from '@jest/globals';
import {
  ProviderAppCredentialsError,
  ProviderAuthError,
  ProviderGrantRevokedError,
  ProviderRateLimitedError,
  ProviderUnavailableError,
} from '../provider-errors.js';
import { oauthError, postTokenEndpoint, type TokenPurpose } from './oauth-client.js';

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });

describe('postTokenEndpoint: what a token endpoint answer means', () => {
  const fetchMock = jest.spyOn(globalThis, 'fetch');
  afterAll(() => fetchMock.mockRestore());

  const call = (purpose: TokenPurpose) =>
    postTokenEndpoint('strava', 'http://127.0.0.1:1/oauth/token', { grant_type: 'x' }, 1000, purpose);

  const cases: Array<[string, () => Response | Promise<never>, TokenPurpose, new (...a: any[]) => Error]> = [
    [
      '429 with Retry-After',
      () => answer(429, { message: 'Rate Limit Exceeded' }, { 'Retry-After': '7' }),
      'refresh',
      ProviderRateLimitedError,
    ],
    ['429 at exchange', () => answer(429, {}), 'exchange', ProviderRateLimitedError],
    ['503', () => answer(503, { error: 'backend' }), 'refresh', ProviderUnavailableError],
    ['500 at exchange', () => answer(500, 'oops'), 'exchange', ProviderUnavailableError],
    ['408', () => answer(408, {}), 'refresh', ProviderUnavailableError],
    [
      'a network error',
      () => Promise.reject(new TypeError('fetch failed')),
      'refresh',
      ProviderUnavailableError,
    ],
    ['a garbled 200', () => answer(200, '{"access_'), 'refresh', ProviderUnavailableError],
    [
      'invalid_grant at refresh',
      () => answer(400, { error: 'invalid_grant' }),
      'refresh',
      ProviderGrantRevokedError,
    ],
    [
      'invalid_grant at exchange',
      () => answer(400, { error: 'invalid_grant' }),
      'exchange',
      ProviderAuthError,
    ],
    [
      'invalid_client',
      () => answer(401, { error: 'invalid_client' }),
      'refresh',
      ProviderAppCredentialsError,
    ],
    [
      'unauthorized_client at exchange',
      () => answer(400, { error: 'unauthorized_client' }),
      'exchange',
      ProviderAppCredentialsError,
    ],
    [
      'Strava: invalid refresh token',
      () =>
        answer(400, {
          message: 'Bad Request',
          errors: [{ resource: 'RefreshToken', field: 'refresh_token', code: 'invalid' }],
        }),
      'refresh',
      ProviderGrantRevokedError,
    ],
    [
      'Strava: invalid application',
      () =>
        answer(401, {
          message: 'Authorization Error',
          errors: [{ resource: 'Application', field: 'client_id', code: 'invalid' }],
        }),
      'refresh',
      ProviderAppCredentialsError,
    ],
    [
      'another 4xx at refresh',
      () => answer(400, { error: 'invalid_request' }),
      'refresh',
      ProviderUnavailableError,
    ],
  ];

  it.each(cases)('%s', async (_name, respond, purpose, expected) => {
    fetchMock.mockImplementationOnce(async () => respond());
    const error = await call(purpose).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(expected);
    expect((error as ProviderUnavailableError).endpoint).toBe('token');
  });

  it('takes the reset time from Retry-After', async () => {
    fetchMock.mockImplementationOnce(async () => answer(429, {}, { 'Retry-After': '30' }));
    const error = (await call('refresh').catch((e: unknown) => e)) as ProviderRateLimitedError;
    expect(error.retryAt.getTime() - Date.now()).toBeGreaterThan(28_000);
    expect(error.retryAt.getTime() - Date.now()).toBeLessThanOrEqual(30_000);
  });

  it('returns the body of a 200 with an access token', async () => {
    fetchMock.mockImplementationOnce(async () => answer(200, { access_token: 'a', refresh_token: 'r' }));
    await expect(call('refresh')).resolves.toMatchObject({ access_token: 'a' });
  });

  it('reads RFC 6749 and Strava error shapes', () => {
    expect(oauthError({ error: 'invalid_grant' })).toBe('invalid_grant');
    expect(oauthError({ errors: [{ resource: 'AuthorizationCode', field: 'code', code: 'invalid' }] })).toBe(
      'invalid_grant',
    );
    expect(oauthError({ errors: [{ resource: 'RefreshToken', field: 'grant_type', code: 'invalid' }] })).toBe(
      'unsupported_grant_type',
    );
    expect(oauthError({ message: 'nope' })).toBeUndefined();
  });
});
