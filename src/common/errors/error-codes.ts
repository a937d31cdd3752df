/** The contract's stable, machine-readable error codes, plus the generic ones every API needs. */
export const ErrorCode = {
  Unauthenticated: 'UNAUTHENTICATED',
  Forbidden: 'FORBIDDEN',
  ProRequired: 'PRO_REQUIRED',
  NotFound: 'NOT_FOUND',
  IdempotencyKeyRequired: 'IDEMPOTENCY_KEY_REQUIRED',
  IdempotencyKeyReused: 'IDEMPOTENCY_KEY_REUSED',
  IdempotencyKeyInProgress: 'IDEMPOTENCY_KEY_IN_PROGRESS',
  SyncAlreadyActive: 'SYNC_ALREADY_ACTIVE',
  InvalidState: 'INVALID_STATE',
  ValidationFailed: 'VALIDATION_FAILED',
  ProviderAuthFailed: 'PROVIDER_AUTH_FAILED',
  ProviderUnavailable: 'PROVIDER_UNAVAILABLE',
  MalformedRequest: 'MALFORMED_REQUEST',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  ArchiveTooLarge: 'ARCHIVE_TOO_LARGE',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  ServiceUnavailable: 'SERVICE_UNAVAILABLE',
  RateLimited: 'RATE_LIMITED',
  DeviceLimitReached: 'DEVICE_LIMIT_REACHED',
  SyncLimitReached: 'SYNC_LIMIT_REACHED',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const TITLES: Record<ErrorCode, string> = {
  UNAUTHENTICATED: 'Authentication required',
  FORBIDDEN: 'Forbidden',
  PRO_REQUIRED: 'Pro subscription required',
  NOT_FOUND: 'Not found',
  IDEMPOTENCY_KEY_REQUIRED: 'Idempotency-Key header required',
  IDEMPOTENCY_KEY_REUSED: 'Idempotency-Key reused for a different request',
  IDEMPOTENCY_KEY_IN_PROGRESS: 'A request with this Idempotency-Key is still being processed',
  SYNC_ALREADY_ACTIVE: 'A historical sync is already active for this connection',
  INVALID_STATE: 'Not allowed in the current state',
  VALIDATION_FAILED: 'Validation failed',
  PROVIDER_AUTH_FAILED: 'The provider rejected the authorization',
  PROVIDER_UNAVAILABLE: 'The provider could not be reached',
  MALFORMED_REQUEST: 'Malformed request',
  PAYLOAD_TOO_LARGE: 'Request body too large',
  ARCHIVE_TOO_LARGE: 'Archive too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  SERVICE_UNAVAILABLE: 'Service unavailable',
  RATE_LIMITED: 'Too many requests',
  DEVICE_LIMIT_REACHED: 'Too many devices',
  SYNC_LIMIT_REACHED: 'Too many active historical syncs',
  INTERNAL: 'Internal server error',
};

export function titleOf(code: ErrorCode): string {
  return TITLES[code];
}

/** The problem `type` URI of a code, e.g. https://syncwell.dev/problems/pro-required. */
export function typeOf(code: ErrorCode): string {
  return `https://syncwell.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`;
}
