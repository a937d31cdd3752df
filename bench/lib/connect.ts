/**
 * The client side of connecting accounts, as the mobile app (and `npm run demo`) does it against the
 * simulators: ask the service for the consent URL, create the simulated account, follow the consent
 * redirect, and hand the authorization code to the service. The one place a change of the consent
 * flow (e.g. a server-issued `state`) has to be made for the benchmarks.
 */

export interface ApiAnswer {
  status: number;
  body: any;
  headers: Headers;
}

/** A caller of the service's HTTP API with one bearer token; answers every status (never throws on 4xx/5xx). */
export type ApiCall = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<ApiAnswer>;

export function apiAs(baseUrl: string, token: string, timeoutMs = 15_000): ApiCall {
  return async (method, path, body, headers = {}) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: kept as text
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
}

/** Like `apiAs`, but a 4xx/5xx answer throws (for set-up steps that must succeed). */
export function strict(api: ApiCall): (...args: Parameters<ApiCall>) => Promise<any> {
  return async (method, path, body, headers) => {
    const answer = await api(method, path, body, headers);
    if (answer.status >= 400)
      throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
}

export const REDIRECT_URI = 'http://127.0.0.1/bench/oauth-callback';

/** What one side of POST /v1/connections (or the reauthorize body) carries. */
export interface ConnectionSide {
  provider: string;
  authorizationCode: string;
  redirectUri: string;
  /** The server-issued OAuth state, once the service issues one (authorize-url answers `{ url, state }`). */
  state?: string;
}

/**
 * One consent at a simulator: creates (or re-creates) the account `login` with `account` options
 * when given (omit it to consent again with an existing account, e.g. to reauthorize), follows
 * the consent redirect and returns the side to send to the service.
 */
export async function consent(
  api: ApiCall,
  provider: string,
  login: string,
  account?: Record<string, unknown>,
): Promise<ConnectionSide> {
  const clientState = `bench-${Math.random().toString(36).slice(2)}`;
  const body = (await strict(api)(
    'GET',
    `/v1/connections/authorize-url?provider=${provider}&redirectUri=${encodeURIComponent(REDIRECT_URI)}&state=${clientState}&loginHint=${login}`,
  )) as { url: string; state?: string };
  if (account) {
    const created = await fetch(`${new URL(body.url).origin}/_sim/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: login, ...account }),
    });
    if (!created.ok) throw new Error(`simulator account ${login}: ${created.status}`);
  }
  const redirect = await fetch(body.url, { redirect: 'manual' });
  const location = redirect.headers.get('location');
  if (!location) throw new Error(`${provider} consent for ${login} did not redirect (${redirect.status})`);
  const code = new URL(location).searchParams.get('code');
  if (!code) throw new Error(`${provider} consent for ${login} gave no code: ${location}`);
  return {
    provider,
    authorizationCode: code,
    redirectUri: REDIRECT_URI,
    ...(body.state ? { state: body.state } : {}),
  };
}

/** POST /v1/connections with both sides; returns the connection. */
export async function createConnection(
  api: ApiCall,
  source: ConnectionSide,
  destination: ConnectionSide,
  timezone = 'UTC',
): Promise<{ id: string; initialSync: { orchestrationId: string } }> {
  return strict(api)('POST', '/v1/connections', { source, destination, timezone });
}
