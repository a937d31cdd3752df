import type { NextFunction, Request, Response } from 'express';
import type { Rng } from './rng.js';
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
}

export type ErrorBody = (status: number, kind: 'error' | 'rate') => unknown;

/** Per-endpoint fault injection, applied after authentication and quotas, before the handler. */
export class Faults {
  private readonly configs = new Map<string, FaultConfig>();

  constructor(private readonly rng: Rng) {}

  set(endpoint: string, config: FaultConfig): void {
    this.configs.set(endpoint, { ...config });
  }

  clear(): void {
    this.configs.clear();
  }

  list(): Record<string, FaultConfig> {
    return Object.fromEntries(this.configs);
  }

  middleware(endpoint: string, errorBody: ErrorBody) {
    return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      const config = this.configs.get(endpoint) ?? this.configs.get('*');
      if (!config) return next();
      const delay =
        (config.latencyMs ?? 0) +
        (config.spikeRate && this.rng.chance(config.spikeRate) ? (config.spikeMs ?? 2000) : 0);
      if (delay > 0) await wait(delay);
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
