import type { NextFunction, Request, Response } from 'express';
import { hashSeed, type Rng } from './rng.js';
import { setTimeout as wait } from 'node:timers/promises';

/** Faults injected into one endpoint (or every endpoint: '*'). */
export interface FaultConfig {
  /** Share of requests answered with `errorStatus` (default 503). */
  errorRate?: number;
  errorStatus?: number;
  /** The next N requests are answered 429 (as if the quota were spent). */
  burst429?: number;
  /** Seconds the burst's Retry-After names. */
  burstRetryAfterSeconds?: number;
  latencyMs?: number;
  /** Share of requests delayed by `spikeMs` more. */
  spikeRate?: number;
  spikeMs?: number;
  /** Share of requests that never get an answer (the client must time out). */
  timeoutRate?: number;
  /** Share of 2xx answers whose body is cut short (invalid JSON). */
  malformedRate?: number;
  /**
   * Share of RECORDS (by the endpoint's record key, not of requests) whose every request on this
   * endpoint is answered `poisonStatus`: `isPoisoned(key, poisonRate, faults seed)`, so the same
   * record always fails and the others never do. No effect on endpoints without a record key.
   */
  poisonRate?: number;
  /** Record keys that always fail on this endpoint (as `poisonRate` does). */
  poison?: string[];
  /** The status of a poisoned record's answers (default 500), with the provider's error body. */
  poisonStatus?: number;
}

export type ErrorBody = (status: number, kind: 'error' | 'rate') => unknown;

/**
 * The identity of the record a request reads or writes (see `SimServer.endpoint`), or undefined
 * when it has none (lists, or a write without a client-chosen identity). Called after the
 * endpoint's parsers and authentication, right before the fault injection.
 */
export type RecordKey = (req: Request, res: Response) => string | undefined;

/** The faults seed of a simulator (what `isPoisoned` hashes record keys with). */
export const faultsSeed = (provider: 'google' | 'strava'): number => hashSeed('faults', provider);

/**
 * Whether the record `key` is poisoned at `rate` under `seed` (a simulator's `faultsSeed`): the
 * FNV-1a hash of ('poison', seed, key), mixed by MurmurHash3's finalizer, as a share of 2^32, below `rate`. Deterministic, so a test or
 * benchmark can compute which records a `poisonRate` plants.
 */
export function isPoisoned(key: string, rate: number, seed: number): boolean {
  return rate > 0 && mix32(hashSeed('poison', seed, key)) / 4294967296 < rate;
}

/** MurmurHash3's finalizer: FNV-1a alone leaves keys that differ in their last digit clustered. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** One poisoned record as the simulator met it: how often it answered `status` for it. */
export interface PoisonHit {
  endpoint: string;
  key: string;
  /** The simulated account the request was made for (its id at `/_sim/accounts`). */
  account?: string;
  status: number;
  count: number;
}

/** Per-endpoint fault injection, applied after authentication and quotas, before the handler. */
export class Faults {
  private readonly configs = new Map<string, FaultConfig>();
  private readonly hits = new Map<string, PoisonHit>();

  constructor(
    private readonly rng: Rng,
    /** What record keys are hashed with for `poisonRate` (see `faultsSeed`). */
    readonly seed: number,
  ) {}

  set(endpoint: string, config: FaultConfig): void {
    this.configs.set(endpoint, { ...config, ...(config.poison ? { poison: [...config.poison] } : {}) });
  }

  clear(): void {
    this.configs.clear();
  }

  list(): Record<string, FaultConfig> {
    return Object.fromEntries(this.configs);
  }

  /** Whether `key` is poisoned on `endpoint` now (its own config, else '*'). */
  poisoned(endpoint: string, key: string): boolean {
    const config = this.configs.get(endpoint) ?? this.configs.get('*');
    return !!config && configPoisons(config, key, this.seed);
  }

  /** Every poisoned record answered since the last `resetHits`, in the order first met. */
  poisonHits(): PoisonHit[] {
    return [...this.hits.values()].map((h) => ({ ...h }));
  }

  resetHits(): void {
    this.hits.clear();
  }

  middleware(
    endpoint: string,
    errorBody: ErrorBody,
    recordKey?: RecordKey,
    accountOf?: (res: Response) => string | undefined,
  ) {
    return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      const config = this.configs.get(endpoint) ?? this.configs.get('*');
      if (!config) return next();
      const delay =
        (config.latencyMs ?? 0) +
        (config.spikeRate && this.rng.chance(config.spikeRate) ? (config.spikeMs ?? 2000) : 0);
      if (delay > 0) await wait(delay);
      // the delay is a queue in front of the server: a request whose client left meanwhile is
      // dropped there (as a gateway drops an aborted request it has not forwarded yet)
      if (req.socket.destroyed) return;
      const key = recordKey && (config.poisonRate || config.poison?.length) ? recordKey(req, res) : undefined;
      if (key !== undefined && configPoisons(config, key, this.seed)) {
        const status = config.poisonStatus ?? 500;
        const account = accountOf?.(res);
        const id = `${endpoint}\u241f${account ?? ''}\u241f${key}`;
        const hit = this.hits.get(id) ?? { endpoint, key, account, status, count: 0 };
        hit.status = status;
        hit.count++;
        this.hits.set(id, hit);
        res.status(status).json(errorBody(status, 'error'));
        return;
      }
      if (config.timeoutRate && this.rng.chance(config.timeoutRate)) {
        req.socket.setTimeout(0);
        return; // never answers; the client's timeout fires
      }
      if (config.burst429 && config.burst429 > 0) {
        config.burst429--;
        res
          .status(429)
          .set('Retry-After', String(config.burstRetryAfterSeconds ?? 1))
          .json(errorBody(429, 'rate'));
        return;
      }
      if (config.errorRate && this.rng.chance(config.errorRate)) {
        const status = config.errorStatus ?? 503;
        res.status(status).json(errorBody(status, 'error'));
        return;
      }
      if (config.malformedRate && this.rng.chance(config.malformedRate)) {
        const json = res.json.bind(res);
        res.json = (body: unknown) => {
          if (res.statusCode >= 300) return json(body);
          const text = JSON.stringify(body);
          res.type('application/json').send(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
          return res;
        };
      }
      next();
    };
  }
}

function configPoisons(config: FaultConfig, key: string, seed: number): boolean {
  return !!config.poison?.includes(key) || isPoisoned(key, config.poisonRate ?? 0, seed);
}
