import type { ServerResponse } from 'node:http';
import { ErrorCode } from '../errors/error-codes.js';
import { ProblemException } from '../errors/problem.exception.js';
import type { RateLimitOutcome, RateLimitScope } from './rate-limit.service.js';

/**
 * Sets `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (draft-ietf-httpapi-ratelimit-headers)
 * and, when the request is refused, `Retry-After`; returns the 429 to answer with, if any.
 */
export function applyRateLimit(
  res: ServerResponse,
  scope: RateLimitScope,
  outcome: RateLimitOutcome | undefined,
): ProblemException | undefined {
  if (!outcome) return undefined;
  res.setHeader('RateLimit-Limit', String(outcome.limit));
  res.setHeader('RateLimit-Remaining', String(outcome.remaining));
  res.setHeader('RateLimit-Reset', String(outcome.resetSeconds));
  if (outcome.allowed) return undefined;
  res.setHeader('Retry-After', String(outcome.resetSeconds));
  return new ProblemException(
    429,
    ErrorCode.RateLimited,
    `Too many requests from this ${scope === 'user' ? 'user' : 'address'}; retry after ${outcome.resetSeconds} s`,
  );
}
