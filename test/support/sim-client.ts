import type { RunningSimulators } from '../../src/simulators/simulators.js';

export const CLIENT = { id: 'syncwell-local', secret: 'syncwell-local-secret' };
export const GOOGLE_SCOPES = [
  'https://www.googleapis.com/auth/googlehealth.activity_and_fitness',
  'https://www.googleapis.com/auth/googlehealth.location.readonly',
  'https://www.googleapis.com/auth/googlehealth.profile.readonly',
].join(' ');
export const STRAVA_SCOPES = 'read,activity:read_all,activity:write';

/** Follows a simulator's authorize redirect as a browser would; returns the code and state it carried. */
export async function authorize(
  authorizeUrl: string,
  params: Record<string, string>,
): Promise<{ code: string; state: string | null; location: URL }> {
  const url = new URL(authorizeUrl);
  for (const [k, v] of Object.entries({
    client_id: CLIENT.id,
    response_type: 'code',
    redirect_uri: 'https://app.syncwell.test/oauth/callback',
    ...params,
  })) {
    url.searchParams.set(k, v);
  }
  const res = await fetch(url, { redirect: 'manual' });
  if (res.status !== 302) throw new Error(`authorize answered ${res.status}: ${await res.text()}`);
  const location = new URL(res.headers.get('location')!);
  return { code: location.searchParams.get('code')!, state: location.searchParams.get('state'), location };
}

export async function exchange(
  tokenUrl: string,
  form: Record<string, string>,
  signal?: AbortSignal,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: CLIENT.id, client_secret: CLIENT.secret, ...form }),
    signal,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A full OAuth grant on a simulator for `login` (authorize, then code exchange). */
export async function grant(sims: RunningSimulators, provider: 'fitbit' | 'strava', login: string) {
  const endpoints = sims.endpoints[provider];
  const { code } = await authorize(endpoints.authorizeUrl, {
    login_hint: login,
    scope: provider === 'fitbit' ? GOOGLE_SCOPES : STRAVA_SCOPES,
    redirect_uri: 'https://app.syncwell.test/oauth/callback',
  });
  const { body } = await exchange(endpoints.tokenUrl, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: 'https://app.syncwell.test/oauth/callback',
  });
  return body as { access_token: string; refresh_token: string; expires_in: number };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Waits until the current fixed window of `lengthMs` has just begun (so a burst fits in one window). */
export async function atWindowStart(lengthMs: number): Promise<void> {
  const wait = lengthMs - (Date.now() % lengthMs) + 20;
  await new Promise((r) => setTimeout(r, wait));
}
