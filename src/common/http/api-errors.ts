import type { ContentObject, ResponseObject } from '@nestjs/swagger';
import { type ErrorCode, titleOf, typeOf } from '../errors/error-codes.js';

/**
 * The HTTP status of each error code and the generic reason it is answered, as the OpenAPI document
 * teaches them. A route names the codes it can return (with a route-specific reason where it helps):
 * see {@link ApiDoc}. Adding a code to {@link ErrorCode} means adding its line here.
 */
export const ERROR_CATALOGUE: Record<ErrorCode, { status: number; why: string; detail: string }> = {
  UNAUTHENTICATED: {
    status: 401,
    why: 'no `Authorization: Bearer <JWT>` header, or the token is invalid or expired',
    detail: 'A valid bearer token is required',
  },
  FORBIDDEN: {
    status: 403,
    why: 'the token has no `admin` role',
    detail: 'This route needs the admin role',
  },
  PRO_REQUIRED: {
    status: 403,
    why: 'the caller has no active Pro entitlement; the body also has `upsell: { requiredTier, feature }`',
    detail: 'Historical sync is a Pro feature',
  },
  NOT_FOUND: {
    status: 404,
    why: 'no such id, or it belongs to another user',
    detail: 'Connection not found',
  },
  RATE_LIMITED: {
    status: 429,
    why: 'a per-user or per-IP request budget is spent; `Retry-After` says when it refills',
    detail: 'Too many requests; try again later',
  },
  DEVICE_LIMIT_REACHED: {
    status: 409,
    why: 'the user already has as many devices as the deployment allows (MAX_DEVICES_PER_USER)',
    detail: 'This user already has the maximum number of devices',
  },
  SYNC_LIMIT_REACHED: {
    status: 409,
    why: 'the user already has as many active HISTORICAL syncs as the deployment allows (MAX_ACTIVE_HISTORICAL_SYNCS_PER_USER)',
    detail: 'This user already has the maximum number of active historical syncs',
  },
  IDEMPOTENCY_KEY_REQUIRED: {
    status: 400,
    why: 'the `Idempotency-Key` header is missing, empty or longer than 255 characters',
    detail: 'This request needs an Idempotency-Key header',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    why: 'this user already used the key for a different request (another path or body)',
    detail: 'This Idempotency-Key was used for a different request',
  },
  IDEMPOTENCY_KEY_IN_PROGRESS: {
    status: 409,
    why: 'the first request with this key is still being processed; retry in a moment',
    detail: 'A request with this Idempotency-Key is still being processed',
  },
  SYNC_ALREADY_ACTIVE: {
    status: 409,
    why: 'the connection already has a HISTORICAL sync that is PENDING, IN_PROGRESS or PAUSED; the body has its `orchestrationId`',
    detail: 'This connection already has an active historical sync',
  },
  INVALID_STATE: {
    status: 409,
    why: 'the orchestration’s status does not allow this transition',
    detail: 'Cannot pause a COMPLETED sync',
  },
  VALIDATION_FAILED: {
    status: 422,
    why: 'a malformed body, query or path value; `errors` lists each field and what is wrong',
    detail: 'range.endDate: endDate 2030-01-01 is in the future',
  },
  PROVIDER_AUTH_FAILED: {
    status: 422,
    why: 'a provider rejected the authorization code (expired, already used, or for another redirect URI)',
    detail: 'fitbit rejected the authorization code',
  },
  PROVIDER_UNAVAILABLE: {
    status: 503,
    why: 'a provider call this request needs was rate-limited, failed or timed out; retry after `Retry-After` seconds',
    detail: 'strava is unavailable; retry later',
  },
  MALFORMED_REQUEST: {
    status: 400,
    why: 'the body is not valid JSON',
    detail: 'The request body is not valid JSON',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    why: 'the body is larger than the limit (HTTP_BODY_LIMIT)',
    detail: 'The request body is too large',
  },
  ARCHIVE_TOO_LARGE: {
    status: 413,
    why: '`Upload-Length` is over the largest archive the deployment accepts (ARCHIVE_MAX_BYTES, 4 GiB by default)',
    detail: 'The archive is larger than the 4096 MiB this service accepts',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    why: 'the body is not `application/json`, or uses an unsupported encoding or charset',
    detail: 'Unsupported charset',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    why: 'the path exists but not with this method',
    detail: 'Method not allowed',
  },
  SERVICE_UNAVAILABLE: {
    status: 503,
    why: 'the database is unreachable; retry after `Retry-After` seconds',
    detail: 'The service is temporarily unavailable',
  },
  INTERNAL: {
    status: 500,
    why: 'an unexpected error; it is logged with the `requestId`',
    detail: 'An unexpected error occurred. It has been logged.',
  },
};

/** Codes with the reason a route answers them (`undefined`: the catalogue’s generic reason). */
export type RouteErrors = ErrorCode[] | Partial<Record<ErrorCode, string>>;

export function errorEntries(errors: RouteErrors): Array<[ErrorCode, string]> {
  const entries = Array.isArray(errors)
    ? errors.map((code) => [code, undefined] as const)
    : (Object.entries(errors) as Array<[ErrorCode, string | undefined]>);
  return entries.map(([code, why]) => [code, why || ERROR_CATALOGUE[code].why]);
}

/** An example problem+json body for `code`. */
export function problemExample(code: ErrorCode): Record<string, unknown> {
  const { status, detail } = ERROR_CATALOGUE[code];
  const example: Record<string, unknown> = {
    type: typeOf(code),
    title: titleOf(code),
    status,
    detail,
    code,
    requestId: '5d0e8a4c-7f5e-4d6b-9c1a-2b3c4d5e6f70',
  };
  if (code === 'VALIDATION_FAILED')
    example.errors = [{ field: 'range.endDate', message: 'endDate 2030-01-01 is in the future' }];
  if (code === 'PRO_REQUIRED') example.upsell = { requiredTier: 'PRO', feature: 'HISTORICAL_SYNC' };
  if (code === 'SYNC_ALREADY_ACTIVE') example.orchestrationId = '0b6f3c9e-2f44-4c1e-9a57-3d1e8f0c2a11';
  return example;
}

/** The line of a problem response's description that names one code and why it is answered. */
export const describeCode = (code: ErrorCode, why: string) => `\`${code}\`: ${why}`;

/** The OpenAPI response for these codes (all of one status): problem+json, one example per code. */
export function problemResponse(
  entries: Array<[ErrorCode, string]>,
  schemaRef: string,
): ResponseObject & { content: ContentObject } {
  return {
    description: entries.map(([code, why]) => describeCode(code, why)).join('\n\n'),
    content: {
      'application/problem+json': {
        schema: { $ref: schemaRef },
        examples: Object.fromEntries(
          entries.map(([code, why]) => [code, { summary: why, value: problemExample(code) }]),
        ),
      },
    },
  };
}
