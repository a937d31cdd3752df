import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Kysely, Transaction } from 'kysely';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { ProblemException } from '../../common/errors/problem.exception.js';
import { AppConfig } from '../../config/app-config.js';
import { InjectDb } from '../../database/database.tokens.js';
import type { DB } from '../../database/schema.js';
import { IdempotencyRepository, type IdempotencyRecord } from './idempotency.repository.js';

export interface StoredResponse<T = unknown> {
  status: number;
  body: T;
  headers: Record<string, string>;
}

/** What the `@Idempotency()` parameter carries: the key, the request's fingerprint, how the route answers. */
export interface IdempotencyRequest<T = unknown> {
  key: string;
  fingerprint: string;
  /** The route's first answer for the body the work returned (stored with the work's rows). */
  respond: (body: T) => StoredResponse<T>;
}

export interface IdempotencyScope<T = unknown> extends IdempotencyRequest<T> {
  userId: string;
}

/** A service's result under idempotency: the work's result, or the stored first answer replayed. */
export type Idempotent<T> = { replayed: false; result: T } | { replayed: true; response: StoredResponse<T> };

/**
 * Same body, whatever the key order or whitespace. Walks with an explicit stack (no recursion), so
 * no body can overflow the call stack; the output is the same as a recursive canonical JSON.
 */
export function canonical(value: unknown): string {
  const out: string[] = [];
  const stack: Array<{ text: string } | { value: unknown }> = [{ value }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if ('text' in frame) {
      out.push(frame.text);
      continue;
    }
    const v = frame.value;
    if (Array.isArray(v)) {
      stack.push({ text: ']' });
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ value: v[i] });
        if (i > 0) stack.push({ text: ',' });
      }
      stack.push({ text: '[' });
    } else if (v && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      stack.push({ text: '}' });
      for (let i = entries.length - 1; i >= 0; i--) {
        stack.push({ value: entries[i][1] });
        stack.push({ text: `${i > 0 ? ',' : ''}${JSON.stringify(entries[i][0])}:` });
      }
      stack.push({ text: '{' });
    } else {
      out.push(JSON.stringify(v ?? null));
    }
  }
  return out.join('');
}

/**
 * FR-6 idempotency. The first request with a key runs its work and stores its response in the
 * same transaction as everything the work writes; a repeat with the same request gets that response
 * back, replayed; the same key with another request is 422; a repeat arriving while the first is
 * still running is 409. Only successful responses are stored: a request that failed (404, 409, 403)
 * created nothing and may be retried with the same key.
 */
@Injectable()
export class IdempotencyService {
  constructor(
    @InjectDb() private readonly db: Kysely<DB>,
    private readonly repository: IdempotencyRepository,
    private readonly config: AppConfig,
  ) {}

  static validateKey(key: string | undefined): string {
    if (key === undefined || key.length === 0) {
      throw new ProblemException(
        400,
        ErrorCode.IdempotencyKeyRequired,
        'This request needs an Idempotency-Key header',
      );
    }
    if (key.length > 255) {
      throw new ProblemException(
        400,
        ErrorCode.IdempotencyKeyRequired,
        'Idempotency-Key must be 1 to 255 characters',
      );
    }
    return key;
  }

  static fingerprint(method: string, path: string, body: unknown): string {
    return createHash('sha256')
      .update(`${method.toUpperCase()} ${path}\n${canonical(body)}`)
      .digest('hex');
  }

  /** The caller's scope for a route's `@Idempotency()` request (400 if its key is malformed). */
  scope<T>(userId: string, request: IdempotencyRequest<T>): IdempotencyScope<T> {
    return { ...request, key: IdempotencyService.validateKey(request.key), userId };
  }

  /** The stored response for this key, replayed (or 422 if the key was used for another request). */
  async lookup<T>(scope: IdempotencyScope<T>): Promise<Idempotent<T> | undefined> {
    const prior = await this.repository.find(scope.userId, scope.key);
    return prior ? this.replay<T>(prior, scope.fingerprint) : undefined;
  }

  /**
   * Runs `work` in a transaction that also stores the route's first answer for its result, so the
   * record commits or rolls back with the rows the work wrote; a key already used is replayed.
   */
  async run<T>(
    scope: IdempotencyScope<T>,
    work: (trx: Transaction<DB>) => Promise<T>,
  ): Promise<Idempotent<T>> {
    const prior = await this.lookup<T>(scope);
    if (prior) return prior;

    const outcome = await this.db.transaction().execute(async (trx) => {
      if (!(await this.repository.tryLock(trx, scope.userId, scope.key))) return 'locked' as const;
      const committed = await this.repository.find(scope.userId, scope.key, trx);
      if (committed) return this.replay<T>(committed, scope.fingerprint);
      const result = await work(trx);
      const response = scope.respond(result);
      await this.repository.insert(
        trx,
        {
          user_id: scope.userId,
          key: scope.key,
          request_hash: scope.fingerprint,
          response_status: response.status,
          response_body: response.body,
          response_headers: response.headers,
        },
        this.config.idempotencyTtlHours,
      );
      return { replayed: false as const, result };
    });
    if (outcome !== 'locked') return outcome;

    // Another request with this key holds the lock; it may have committed since.
    const latest = await this.repository.find(scope.userId, scope.key);
    if (latest) return this.replay<T>(latest, scope.fingerprint);
    throw new ProblemException(
      409,
      ErrorCode.IdempotencyKeyInProgress,
      'A request with this Idempotency-Key is still being processed; retry shortly',
    );
  }

  private replay<T>(record: IdempotencyRecord, fingerprint: string): Idempotent<T> {
    if (record.request_hash !== fingerprint) {
      throw new ProblemException(
        422,
        ErrorCode.IdempotencyKeyReused,
        'This Idempotency-Key was already used for a different request',
      );
    }
    return {
      replayed: true,
      response: {
        status: record.response_status,
        body: record.response_body as T,
        headers: record.response_headers,
      },
    };
  }
}
