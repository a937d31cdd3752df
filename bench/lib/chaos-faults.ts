/**
 * The simulators' control API (`/_sim/...`, see src/simulators/common/sim-server.ts), as the chaos
 * run drives it: the same HTTP calls an operator would make with curl.
 */

async function control(base: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}/_sim${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${base}/_sim${path}: ${res.status}`);
  return res.status === 204 ? undefined : res.json();
}

export interface FaultLevel {
  /** Share of requests answered 5xx, on every endpoint including the OAuth token endpoint. */
  errorRate: number;
  /** Share of requests delayed by `spikeMs`. */
  spikeRate: number;
  spikeMs: number;
}

/**
 * 5xx and latency spikes on every endpoint ('*'), the OAuth token endpoint included (configured on
 * its own, 502 there: a gateway in front of the auth server). With `stormRetryAfterSeconds`, every
 * API and token request is answered 429 with that Retry-After instead, until this is called again
 * without it. The consent page (oauth.authorize) is in no storm: a user reconnecting during one gets
 * the page, the service's token exchange gets the 429.
 */
export async function setFaults(base: string, level: FaultLevel, stormRetryAfterSeconds?: number) {
  const common = { errorRate: level.errorRate, spikeRate: level.spikeRate, spikeMs: level.spikeMs };
  const storm =
    stormRetryAfterSeconds === undefined
      ? { burst429: 0 }
      : { burst429: 1_000_000, burstRetryAfterSeconds: stormRetryAfterSeconds };
  await control(base, 'PUT', '/faults', {
    '*': { ...common, errorStatus: 503, ...storm },
    'oauth.token': { ...common, errorStatus: 502, ...storm },
    'oauth.authorize': { ...common, errorStatus: 503 },
  });
}

/** Faults on, and access tokens that live `tokenLifetimeSeconds` (real seconds). */
export async function faultsOn(base: string, level: FaultLevel, tokenLifetimeSeconds: number) {
  await setFaults(base, level);
  await control(base, 'PUT', '/config', { accessTokenLifetimeSeconds: tokenLifetimeSeconds });
}

export async function faultsOff(base: string, tokenLifetimeSeconds: number) {
  await control(base, 'DELETE', '/faults');
  await control(base, 'PUT', '/config', { accessTokenLifetimeSeconds: tokenLifetimeSeconds });
}

/** Every access token of the account stops working at once (the service must refresh). */
export const expireTokens = (base: string, account: string) =>
  control(base, 'POST', `/accounts/${account}/expire-tokens`);

/** The user revokes the app at the provider: refresh answers invalid_grant, API calls 401. */
export const revoke = (base: string, account: string) => control(base, 'POST', `/accounts/${account}/revoke`);

export const resetRequestCounts = (base: string) => control(base, 'DELETE', '/requests');

export const requestCounts = (base: string): Promise<Record<string, Record<string, number>>> =>
  control(base, 'GET', '/requests');

/**
 * Plants an invalid source record inside the last year: at Google an exercise that ends before it
 * starts (no GPS, so no TCX export); at Strava an activity with a negative elapsed time.
 */
export async function plantInvalidRecord(
  base: string,
  provider: 'fitbit' | 'strava',
  account: string,
  n: number,
) {
  const day = new Date(Date.now() - (40 + 25 * n) * 86_400_000);
  day.setUTCHours(10, 0, 0, 0);
  if (provider === 'strava') {
    return control(base, 'POST', `/accounts/${account}/raw`, {
      id: 990_000_000 + n,
      start_date: day.toISOString(),
      elapsed_time: -60,
      name: 'Chaos invalid record',
    });
  }
  const contents = await control(base, 'GET', `/accounts/${account}`);
  const template = structuredClone(contents.dataPoints[0]);
  const end = new Date(day.getTime() - 3600_000); // ends an hour before it starts
  template.name = `invalid/chaos-${n}`;
  template.exercise.interval = {
    ...template.exercise.interval,
    startTime: day.toISOString(),
    endTime: end.toISOString(),
  };
  if (template.exercise.exerciseMetadata) template.exercise.exerciseMetadata.hasGps = false;
  return control(base, 'POST', `/accounts/${account}/raw`, template);
}

/** The endpoints that read one source record, and those that write one, at each simulator. */
export const RECORD_READS = ['dataPoints.get', 'activities.get', 'streams.get'];
export const RECORD_WRITES = ['dataPoints.create', 'activities.create', 'uploads.create'];

/**
 * Record poisoning at `rate` on every per-record read and write endpoint of the simulator (see
 * `poisonRate` in src/simulators/common/faults.ts): the same records fail with 500 every time.
 */
export async function poisonRecords(base: string, provider: 'google' | 'strava', rate: number) {
  const endpoints =
    provider === 'google'
      ? ['dataPoints.get', 'dataPoints.create']
      : ['activities.get', 'streams.get', 'activities.create', 'uploads.create'];
  await control(
    base,
    'PUT',
    '/faults',
    Object.fromEntries(endpoints.map((e) => [e, { poisonRate: rate, poisonStatus: 500 }])),
  );
}

export interface PoisonHit {
  endpoint: string;
  key: string;
  account?: string;
  status: number;
  count: number;
}

/** The poisoned records the simulator answered since the request counts were last reset. */
export const poisonHits = async (base: string): Promise<PoisonHit[]> =>
  (await control(base, 'GET', '/requests/poisoned')).hits;

/** Everything a simulated account holds (`/_sim/accounts/:id`). */
export const accountContents = (base: string, account: string) =>
  control(base, 'GET', `/accounts/${account}`);
