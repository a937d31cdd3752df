import type { ProviderEndpoints } from '../../../config/app-config.js';
import type { ProviderName } from '../../../database/schema.js';
import type { TokenGrant } from '../provider-connector.js';
import { postTokenEndpoint } from './oauth-client.js';

/** A token endpoint answer (Google: expires_in; Strava: expires_at too, and a rotated refresh token). */
export function toGrant(
  body: Record<string, unknown>,
  previousRefreshToken: string | null = null,
): TokenGrant {
  const expiresAt =
    typeof body.expires_at === 'number'
      ? new Date(body.expires_at * 1000)
      : typeof body.expires_in === 'number'
        ? new Date(Date.now() + body.expires_in * 1000)
        : null;
  return {
    accessToken: String(body.access_token),
    refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : previousRefreshToken,
    expiresAt,
    scopes: typeof body.scope === 'string' ? body.scope : null,
  };
}

export async function exchangeAuthorizationCode(
  provider: ProviderName,
  endpoints: ProviderEndpoints,
  code: string,
  redirectUri: string,
  timeoutMs: number,
  codeVerifier?: string,
) {
  return postTokenEndpoint(
    provider,
    endpoints.tokenUrl,
    {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: endpoints.clientId,
      client_secret: endpoints.clientSecret,
      ...(codeVerifier ? { code_verifier: codeVerifier } : {}),
    },
    timeoutMs,
    'exchange',
  );
}

/** The form of a refresh request (client credentials in the body, as Google and Strava accept). */
export const refreshForm = (endpoints: ProviderEndpoints, refreshToken: string): Record<string, string> => ({
  grant_type: 'refresh_token',
  refresh_token: refreshToken,
  client_id: endpoints.clientId,
  client_secret: endpoints.clientSecret,
});

export async function refreshGrant(
  provider: ProviderName,
  endpoints: ProviderEndpoints,
  refreshToken: string,
  timeoutMs: number,
): Promise<TokenGrant> {
  const body = await postTokenEndpoint(
    provider,
    endpoints.tokenUrl,
    refreshForm(endpoints, refreshToken),
    timeoutMs,
    'refresh',
  );
  return toGrant(body, refreshToken);
}
