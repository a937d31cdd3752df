import type { SimSettings } from './common/settings.js';
import { GoogleHealthSimulator } from './google/google-simulator.js';
import { StravaSimulator } from './strava/strava-simulator.js';

export interface RunningSimulators {
  google: GoogleHealthSimulator;
  strava: StravaSimulator;
  /** Base URLs the connectors need (API, authorize, token) for each provider. */
  endpoints: {
    fitbit: { apiBaseUrl: string; authorizeUrl: string; tokenUrl: string };
    strava: { apiBaseUrl: string; authorizeUrl: string; tokenUrl: string };
  };
  close(): Promise<void>;
}

/** Starts both simulators (port 0 = any free port), in this process. */
export async function startSimulators(options: {
  googlePort?: number;
  stravaPort?: number;
  host?: string;
  settings?: Partial<SimSettings>;
}): Promise<RunningSimulators> {
  const google = new GoogleHealthSimulator(options.settings);
  const strava = new StravaSimulator(options.settings);
  const googleUrl = await google.listen(options.googlePort ?? 0, options.host);
  let stravaUrl: string;
  try {
    stravaUrl = await strava.listen(options.stravaPort ?? 0, options.host);
  } catch (error) {
    await google.close();
    throw error;
  }
  return {
    google,
    strava,
    endpoints: {
      fitbit: {
        apiBaseUrl: googleUrl,
        authorizeUrl: `${googleUrl}/o/oauth2/v2/auth`,
        tokenUrl: `${googleUrl}/token`,
      },
      strava: {
        apiBaseUrl: `${stravaUrl}/api/v3`,
        authorizeUrl: `${stravaUrl}/oauth/authorize`,
        tokenUrl: `${stravaUrl}/oauth/token`,
      },
    },
    close: async () => {
      await Promise.all([google.close(), strava.close()]);
    },
  };
}

/** Endpoints of simulators already listening on these ports (another process's), if both answer. */
export async function findRunningSimulators(
  googlePort: number,
  stravaPort: number,
): Promise<RunningSimulators['endpoints'] | undefined> {
  const probe = async (port: number, provider: string) => {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/_sim/health`, { signal: AbortSignal.timeout(1000) });
      return res.ok && ((await res.json()) as { provider?: string }).provider === provider;
    } catch {
      return false;
    }
  };
  if (!(await probe(googlePort, 'google')) || !(await probe(stravaPort, 'strava'))) return undefined;
  const google = `http://127.0.0.1:${googlePort}`;
  const strava = `http://127.0.0.1:${stravaPort}`;
  return {
    fitbit: { apiBaseUrl: google, authorizeUrl: `${google}/o/oauth2/v2/auth`, tokenUrl: `${google}/token` },
    strava: {
      apiBaseUrl: `${strava}/api/v3`,
      authorizeUrl: `${strava}/oauth/authorize`,
      tokenUrl: `${strava}/oauth/token`,
    },
  };
}
