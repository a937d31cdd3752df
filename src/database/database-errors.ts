import { setTimeout as wait } from 'node:timers/promises';

/**
 * What a PostgreSQL (or driver) error means for the caller: the database being unreachable is an
 * outage (HTTP 503, work waits), a deadlock or serialization failure is a reason to run the
 * transaction again, never a failure of the work it belongs to.
 */

/** SQLSTATE of a deadlock (40P01) or a serialization failure (40001): run the transaction again. */
const RETRYABLE_SQLSTATE = new Set(['40P01', '40001']);

/** SQLSTATE classes/codes of a lost or refused connection: 08 (connection exception), 57P01-57P03. */
const UNAVAILABLE_SQLSTATE = /^(08...|57P01|57P02|57P03|53300)$/;

/** Node and driver errors of a connection that could not be made or was lost. */
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection ended unexpectedly',
  'terminating connection due to administrator command',
  'the database system is starting up',
  'the database system is shutting down',
  'Cannot use a pool after calling end on the pool',
];

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Walks `cause` and AggregateError members too (a failed connect can be either). */
function some(error: unknown, test: (e: unknown) => boolean, depth = 0): boolean {
  if (!error || depth > 4) return false;
  if (test(error)) return true;
  const e = error as { cause?: unknown; errors?: unknown[] };
  if (Array.isArray(e.errors) && e.errors.some((inner) => some(inner, test, depth + 1))) return true;
  return some(e.cause, test, depth + 1);
}

/** The database could not be reached or dropped the connection. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return some(error, (e) => {
    const code = codeOf(e);
    if (code && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_NODE_CODES.has(code))) return true;
    const message = e instanceof Error ? e.message : '';
    return UNAVAILABLE_MESSAGES.some((m) => message.includes(m));
  });
}

/** A deadlock or serialization failure: the transaction may simply be run again. */
export function isRetryableTransactionError(error: unknown): boolean {
  return some(error, (e) => RETRYABLE_SQLSTATE.has(codeOf(e) ?? ''));
}

/**
 * Runs `work` (one whole transaction) again after a deadlock or serialization failure, up to
 * `attempts` times with a short random pause, so such a conflict never costs the work an attempt.
 */
export async function retryTransaction<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isRetryableTransactionError(error)) throw error;
      await wait(5 + Math.random() * 20 * attempt);
    }
  }
}
