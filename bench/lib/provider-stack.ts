import { signToken } from '../../src/common/auth/token.js';
import { startSimulators, type RunningSimulators } from '../../src/simulators/simulators.js';
import { BENCH_JWT_SECRET, benchEnv } from './app.js';
import { spawnService, type ServiceProcess } from './service.js';

const REDIRECT = 'http://localhost/bench/oauth-callback';

export interface ProviderStack {
  sims: RunningSimulators;
  server: ServiceProcess;
  /**
   * A Pro user with a Fitbit -> Strava connection (`reverse`: Strava -> Fitbit) whose automatic
   * 7-day sync has ended; the source holds the demo athlete's history, the destination nothing.
   */
  connect(user: string, options?: { reverse?: boolean }): Promise<{ connectionId: string; api: Api }>;
  close(): Promise<void>;
}

export type Api = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<any>;

/**
 * The simulators (in this process, so their request counts can be read) with the real quotas
 * time-scaled by `scale`, and the service as built (dist/src/main.js, all roles) in its own
 * process talking to them. Every provider-side duration is scaled like the quotas (Strava's ~1.5 s
 * upload processing; the client's 2 s first poll and 1 s poll interval), so latency keeps its real
 * weight against the quota windows.
 */
export async function startProviderStack(
  databaseUrl: string,
  scale: number,
  ports: { api: number; google: number; strava: number },
): Promise<ProviderStack> {
  const sims = await startSimulators({
    googlePort: ports.google,
    stravaPort: ports.strava,
    settings: { timeScale: scale },
  });
  const env = benchEnv(databaseUrl, {
    ROLE: 'all',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    GOOGLE_SIM_PORT: String(ports.google),
    STRAVA_SIM_PORT: String(ports.strava),
    SIM_TIME_SCALE: String(scale),
    PROVIDER_TIME_SCALE: String(scale),
  });
  let server: ServiceProcess;
  try {
    server = await spawnService(env, ports.api, 'dist/src/main.js');
  } catch (error) {
    await sims.close();
    throw error;
  }

  const connect = async (user: string, options: { reverse?: boolean } = {}) => {
    const token = signToken(BENCH_JWT_SECRET, { sub: user });
    const call = async (
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
      bearer = token,
    ) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${bearer}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const json = res.status === 204 ? undefined : await res.json();
      if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const consent = async (provider: string, login: string, account: Record<string, unknown>) => {
      const { url, state } = await call(
        'GET',
        `/v1/connections/authorize-url?provider=${provider}&redirectUri=${encodeURIComponent(REDIRECT)}&loginHint=${login}`,
      );
      await fetch(`${new URL(url).origin}/_sim/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: login, ...account }),
      });
      const redirect = await fetch(url, { redirect: 'manual' });
      const code = new URL(redirect.headers.get('location')!).searchParams.get('code')!;
      return { authorizationCode: code, state: state as string, redirectUri: REDIRECT };
    };
    await call(
      'PUT',
      `/v1/admin/users/${user}/entitlement`,
      { tier: 'PRO' },
      {},
      signToken(BENCH_JWT_SECRET, { sub: 'bench-admin', roles: ['admin'] }),
    );
    // the demo's athlete: ~210 sessions a year, most with a GPS track
    const [from, to] = options.reverse ? (['strava', 'fitbit'] as const) : (['fitbit', 'strava'] as const);
    const source = await consent(from, `${user}-${from}`, {
      seed: 'demo-athlete',
      historyDays: 800,
      timezone: 'UTC',
    });
    const destination = await consent(to, `${user}-${to}`, {
      seed: `${user}-${to}`,
      historyDays: 0,
      timezone: 'UTC',
    });
    const connection = await call('POST', '/v1/connections', {
      source: { provider: from, ...source },
      destination: { provider: to, ...destination },
      timezone: 'UTC',
    });
    await waitForEnd(call, connection.initialSync.orchestrationId);
    return { connectionId: connection.id as string, api: call as Api };
  };

  return {
    sims,
    server,
    connect,
    close: async () => {
      await server.stop();
      await sims.close();
    },
  };
}

/** Polls the status route (as the app does, faster) until the orchestration has ended. */
export async function waitForEnd(api: Api, orchestrationId: string) {
  for (;;) {
    const s = await api('GET', `/v1/orchestrations/${orchestrationId}/status`);
    if (!['PENDING', 'IN_PROGRESS'].includes(s.status)) return s;
    await new Promise((r) => setTimeout(r, 200));
  }
}
