import type { ProviderName } from '../../../database/schema.js';
import { ProviderAuthError, ProviderUnavailableError } from '../provider-connector.js';

/**
 * POSTs to a provider's OAuth token endpoint (form-encoded, client credentials in the body, as both
 * Google and Strava accept). A 4xx is the provider rejecting the code or grant; anything else that
 * is not a 2xx is the provider being unavailable.
 */
export async function postTokenEndpoint(
  provider: ProviderName,
  url: string,
  form: Record<string, string>,
  timeoutMs: number,
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
    throw new ProviderUnavailableError(provider, `token endpoint unreachable: ${(error as Error).message}`);
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    if (res.ok) throw new ProviderUnavailableError(provider, 'token endpoint answered with a malformed body');
  }
  if (res.status >= 400 && res.status < 500) {
    const reason =
      typeof body.error === 'string'
        ? body.error
        : typeof body.message === 'string'
          ? body.message
          : `HTTP ${res.status}`;
    throw new ProviderAuthError(provider, `the ${provider} token endpoint rejected the grant (${reason})`);
  }
  if (!res.ok) throw new ProviderUnavailableError(provider, `token endpoint answered HTTP ${res.status}`);
  if (typeof body.access_token !== 'string')
    throw new ProviderUnavailableError(provider, 'token endpoint answered without an access token');
  return body;
}
