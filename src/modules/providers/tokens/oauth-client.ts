import { TOKEN_ENDPOINT_POLICY } from '../../../config/retry-policy.js';
import type { ProviderName } from '../../../database/schema.js';
import {
  ProviderAppCredentialsError,
  ProviderAuthError,
  ProviderGrantRevokedError,
  ProviderRateLimitedError,
  ProviderUnavailableError,
  parseRetryAfter,
} from '../provider-errors.js';

/** Why the token call is made: a code rejected at connect time is not a revoked grant. */
export type TokenPurpose = 'exchange' | 'refresh';

/**
 * A token request the provider may have answered without our reading the answer: it timed out or
 * its connection dropped once sent, or a 2xx came back unreadable. Transient for the caller; but a
 * provider that rotates refresh tokens (Strava) may have retired the one we sent, and the successor
 * it issued is lost: the next refresh can then only get invalid_grant.
 */
export class TokenAnswerLostError extends ProviderUnavailableError {}

/** Connection errors that mean the request never left (nothing can have been issued). */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * POSTs to a provider's OAuth token endpoint (form-encoded, client credentials in the body, as both
 * Google and Strava accept) and says what a failure means (RFC 6749 §5.2, and Strava's equivalents):
 * - `invalid_grant` -> the user's grant is gone (refresh) or the code was refused (exchange);
 * - `invalid_client` / `unauthorized_client` -> our own app credentials: an outage for everyone;
 * - 429 -> rate limited until Retry-After; 408, 5xx, network errors, timeouts and garbled bodies
 *   -> transient. Neither ever touches a user's grant. A request that may have been answered
 *   without our reading the answer (timed out or dropped once sent, or a 2xx we could not read) is
 *   a TokenAnswerLostError: a provider that rotates refresh tokens may have retired the one we sent;
 * - any other 4xx at exchange -> the code was refused; at refresh -> transient (not the user's fault).
 */
export async function postTokenEndpoint(
  provider: ProviderName,
  url: string,
  form: Record<string, string>,
  timeoutMs: number,
  purpose: TokenPurpose,
): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams(form),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as Error).cause as { code?: string } | undefined;
    return unreachable(provider, {
      name: (error as Error).name,
      message: (error as Error).message,
      code: cause?.code,
    });
  }
  const text = await res.text().catch(() => undefined);
  return readTokenAnswer(
    provider,
    { status: res.status, retryAfter: res.headers.get('retry-after'), text },
    purpose,
  );
}

/** A token request that got no HTTP answer: never sent (transient), or perhaps answered unseen. */
export function unreachable(
  provider: ProviderName,
  error: { name: string; message: string; code?: string },
): never {
  const what = error.name === 'TimeoutError' ? 'timed out' : error.message;
  if (error.code && NEVER_SENT.has(error.code))
    throw new ProviderUnavailableError(provider, `token endpoint unreachable: ${what}`, 'token');
  throw new TokenAnswerLostError(provider, `token endpoint unreachable: ${what}`, 'token');
}

/** A token endpoint's HTTP answer: its body when it issued tokens, else the error it means. */
export function readTokenAnswer(
  provider: ProviderName,
  res: { status: number; retryAfter: string | null; text?: string },
  purpose: TokenPurpose,
): Record<string, unknown> {
  const ok = res.status >= 200 && res.status < 300;
  let body: Record<string, unknown> = {};
  try {
    body = res.text ? (JSON.parse(res.text) as Record<string, unknown>) : {};
  } catch {
    if (ok)
      throw new TokenAnswerLostError(provider, 'token endpoint answered with a malformed body', 'token');
  }
  if (ok) {
    if (typeof body.access_token !== 'string')
      throw new TokenAnswerLostError(provider, 'token endpoint answered without an access token', 'token');
    return body;
  }
  const retryAt = parseRetryAfter(res.retryAfter);
  if (res.status === 429)
    throw new ProviderRateLimitedError(
      provider,
      retryAt ?? new Date(Date.now() + TOKEN_ENDPOINT_POLICY.rateLimitedDefaultMs),
      `the ${provider} token endpoint is rate limited`,
      'token',
    );
  if (res.status === 408 || res.status >= 500 || res.status < 400)
    throw new ProviderUnavailableError(
      provider,
      `token endpoint answered HTTP ${res.status}`,
      'token',
      retryAt,
    );
  const error = oauthError(body);
  const said = `the ${provider} token endpoint answered HTTP ${res.status} (${error ?? 'no error code'})`;
  if (error === 'invalid_client' || error === 'unauthorized_client')
    throw new ProviderAppCredentialsError(provider, `${said}: the service's client credentials`, 'token');
  if (purpose === 'exchange') throw new ProviderAuthError(provider, `${said}: the code was refused`, 'token');
  if (error === 'invalid_grant')
    throw new ProviderGrantRevokedError(provider, `${said}: the grant is gone`, 'token');
  throw new ProviderUnavailableError(provider, said, 'token');
}

/**
 * The RFC 6749 error code of a token endpoint answer. Strava answers in its own shape
 * (`{ message, errors: [{ resource, field, code }] }`): an invalid refresh token or code is its
 * invalid_grant, an invalid Application its invalid_client.
 */
export function oauthError(body: Record<string, unknown>): string | undefined {
  if (typeof body.error === 'string') return body.error;
  const errors = Array.isArray(body.errors) ? (body.errors as Array<Record<string, unknown>>) : [];
  for (const e of errors) {
    if (e.resource === 'Application') return 'invalid_client';
    if (e.resource === 'RefreshToken' && e.field === 'grant_type') return 'unsupported_grant_type';
    if (e.resource === 'RefreshToken' || e.resource === 'AuthorizationCode') return 'invalid_grant';
  }
  return undefined;
}
