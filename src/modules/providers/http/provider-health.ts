import { Injectable } from '@nestjs/common';
/** Record faults of one endpoint this recent, with nothing of it answered since, say it is down. */
const FAILING_ENDPOINT_MS = 30_000;
/** How long a request judged a record fault gets a single try per call (real ms). */
const FAULTED_MEMORY_MS = 10 * 60_000;
/** How far back the evidence reaches at most (real ms). */
export const HEALTH_WINDOW_MS = 60_000;
/**
 * Other requests of the same endpoint needed to judge by that endpoint alone; with fewer (one other
 * poisoned upload failing at the same moment), the provider's requests as a whole decide.
 */
export const MIN_ENDPOINT_EVIDENCE = 2;
/** At most this many distinct requests are remembered per provider endpoint. */
const MAX_KEYS = 256;

/** What this process last saw of one distinct request. */
interface Outcome {
  at: number;
  answered: boolean;
}

/** The evidence about a provider, other than the request being judged. */
export interface HealthEvidence {
  /** Distinct other requests seen in the window. */
  seen: number;
  /** Of those, how many the provider last answered (anything but 5xx, 408, a timeout, a dropped connection). */
  answered: number;
}

export type HealthVerdict = 'down' | 'up' | 'unknown';

/**
 * The outage-or-bad-record rule, as a pure function. The evidence is what the provider did with
 * each other distinct request this process sent it while the judged request was failing (its latest
 * outcome since the judged request's first failure, at most a minute back), first among requests
 * of the same endpoint (method and route: every upload, every TCX export) when there are at least
 * two, else among all its endpoints. The provider (or that endpoint of it) is **down** when most of them failed too, **up**
 * when most were answered (the failing request is then the problem: a record fault), and
 * **unknown** without any other request to judge by (the caller may probe). Each distinct request
 * counts once, by its latest outcome, so a record retried many times weighs as much as one
 * healthy page.
 */
export function verdict(endpoint: HealthEvidence, provider: HealthEvidence): HealthVerdict {
  const evidence = endpoint.seen >= MIN_ENDPOINT_EVIDENCE ? endpoint : provider;
  if (evidence.seen === 0) return 'unknown';
  return evidence.answered * 2 > evidence.seen ? 'up' : 'down';
}

/**
 * A circuit breaker per provider and endpoint, fed by every API request this process sends: what
 * the provider last did with each distinct request (method, path, query and the record it
 * concerns). The HTTP client asks it, when a request has failed all its
 * in-request tries, whether the provider is down (the chunk waits out the outage, no attempt used)
 * or answers everything else (a record fault: the record's own budget). Per process: each API or
 * worker replica judges by what it sent, which for a worker is the traffic of the chunks it runs.
 */
/** What names a request for the health rule (a subset of the HTTP client's ApiRequest). */
export interface HealthRequest {
  method: string;
  path: string;
  query?: Record<string, string | number | undefined>;
  recordKey?: string;
}

/** One distinct request, for the health rule: method, path, query and the record it writes. */
export function healthKey(req: HealthRequest): string {
  const query = Object.entries(req.query ?? {})
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('&');
  return `${req.method} ${req.path}?${query}#${req.recordKey ?? ''}`;
}

/** The endpoint a request calls: its method and route, ids (segments with a digit, not `v4`) left out. */
export function endpointOf(req: HealthRequest): string {
  const route = req.path
    .split('/')
    .map((segment) => (/\d/.test(segment) && !/^v\d+$/.test(segment) ? ':id' : segment))
    .join('/');
  return `${req.method} ${route}`;
}

@Injectable()
export class ProviderHealth {
  /** provider -> endpoint -> request key -> latest outcome (oldest first). */
  private readonly outcomes = new Map<string, Map<string, Map<string, Outcome>>>();
  /** `provider|key` of requests lately judged record faults -> when, and their endpoint (oldest first). */
  private readonly faulted = new Map<string, { at: number; endpoint: string }>();

  /**
   * The request was judged a record fault: until it is answered again (or for 10 minutes), it gets
   * one try per call instead of the in-request retries, so a poisoned record costs its provider's
   * quota one request per try of the record, not four.
   */
  markFaulted(provider: string, endpoint: string, key: string, now = Date.now()): void {
    const id = `${provider}|${key}`;
    this.faulted.delete(id);
    this.faulted.set(id, { at: now, endpoint });
    while (this.faulted.size > MAX_KEYS * 4) this.faulted.delete(this.faulted.keys().next().value!);
  }

  recentlyFaulted(provider: string, key: string, now = Date.now()): boolean {
    const at = this.faulted.get(`${provider}|${key}`)?.at;
    return at !== undefined && now - at <= FAULTED_MEMORY_MS;
  }

  record(provider: string, endpoint: string, key: string, answered: boolean, now = Date.now()): void {
    let endpoints = this.outcomes.get(provider);
    if (!endpoints) this.outcomes.set(provider, (endpoints = new Map()));
    let byKey = endpoints.get(endpoint);
    if (!byKey) endpoints.set(endpoint, (byKey = new Map()));
    byKey.delete(key); // re-inserted last: the map stays ordered oldest first
    byKey.set(key, { at: now, answered });
    if (answered) this.faulted.delete(`${provider}|${key}`);
    while (byKey.size > MAX_KEYS) byKey.delete(byKey.keys().next().value!);
  }

  /** `since`: the judged request's first failure; only what happened from then on counts. */
  verdict(
    provider: string,
    endpoint: string,
    exceptKey: string,
    since: number,
    now = Date.now(),
  ): HealthVerdict {
    const endpoints = this.outcomes.get(provider) ?? new Map<string, Map<string, Outcome>>();
    if (this.endpointFailing(provider, endpoint, exceptKey, endpoints.get(endpoint), now)) return 'down';
    const from = Math.max(since, now - HEALTH_WINDOW_MS);
    const all: HealthEvidence = { seen: 0, answered: 0 };
    let own: HealthEvidence = { seen: 0, answered: 0 };
    for (const [name, byKey] of endpoints) {
      const evidence = count(byKey, exceptKey, from);
      all.seen += evidence.seen;
      all.answered += evidence.answered;
      if (name === endpoint) own = evidence;
    }
    return verdict(own, all);
  }

  /**
   * With little traffic, the requests of an endpoint that is down fail one after another and each
   * looks like a record fault: two or more other requests of the endpoint judged record faults in
   * the last half minute, with none of its requests answered since the first of them, say the
   * endpoint is down.
   */
  private endpointFailing(
    provider: string,
    endpoint: string,
    exceptKey: string,
    byKey: Map<string, Outcome> | undefined,
    now: number,
  ): boolean {
    let count = 0;
    let first = Number.POSITIVE_INFINITY;
    for (const [id, mark] of this.faulted) {
      if (mark.endpoint !== endpoint || now - mark.at > FAILING_ENDPOINT_MS) continue;
      if (!id.startsWith(`${provider}|`) || id === `${provider}|${exceptKey}`) continue;
      count++;
      first = Math.min(first, mark.at);
    }
    if (count < MIN_ENDPOINT_EVIDENCE) return false;
    for (const [key, outcome] of byKey ?? [])
      if (outcome.answered && outcome.at >= first && key !== exceptKey) return false;
    return true;
  }

  /** Forgets everything (tests). */
  reset(): void {
    this.outcomes.clear();
    this.faulted.clear();
  }
}

function count(byKey: Map<string, Outcome>, exceptKey: string, from: number): HealthEvidence {
  let seen = 0;
  let answered = 0;
  for (const [key, outcome] of byKey) {
    if (key === exceptKey || outcome.at < from) continue;
    seen++;
    if (outcome.answered) answered++;
  }
  return { seen, answered };
}
