/**
 * Google's JSON error bodies (google.rpc.Status in the `error` envelope), with the
 * `google.rpc.ErrorInfo` detail real Google APIs attach to 401, 403 and 429 answers: clients read
 * its `reason` to tell an expired token from a missing scope from a spent quota.
 */

const STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

const MESSAGES: Record<number, string> = {
  401: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
  403: 'Request had insufficient authentication scopes.',
  404: 'Requested entity was not found.',
  429: "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute per user' of service 'health.googleapis.com' for consumer 'project_number:1'.",
  500: 'Internal error encountered.',
  503: 'The service is currently unavailable.',
};

export const SERVICE = 'health.googleapis.com';

/** The ErrorInfo reasons the simulator uses; the same strings Google's front end sends. */
export type ErrorReason =
  | 'CREDENTIALS_MISSING'
  | 'ACCESS_TOKEN_EXPIRED'
  | 'ACCESS_TOKEN_TYPE_UNSUPPORTED'
  | 'ACCESS_TOKEN_SCOPE_INSUFFICIENT'
  | 'IAM_PERMISSION_DENIED'
  | 'RATE_LIMIT_EXCEEDED';

export interface ErrorInfo {
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo';
  reason: ErrorReason;
  domain: 'googleapis.com';
  metadata: Record<string, string>;
}

export const errorInfo = (reason: ErrorReason, metadata: Record<string, string> = {}): ErrorInfo => ({
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
  reason,
  domain: 'googleapis.com',
  metadata: { service: SERVICE, ...metadata },
});

/**
 * ErrorInfo.metadata.method of each simulated endpoint. Google sends the RPC's full name, which the
 * discovery document does not give; the simulator sends the discovery method id instead.
 */
export const METHODS: Record<string, string> = {
  'profile.get': 'health.users.getProfile',
  'identity.get': 'health.users.getIdentity',
  'dataPoints.list': 'health.users.dataTypes.dataPoints.list',
  'dataPoints.get': 'health.users.dataTypes.dataPoints.get',
  'dataPoints.create': 'health.users.dataTypes.dataPoints.create',
};

/** The quota detail of a 429: which limit was hit. */
export const quotaInfo = (limitName: string, limitValue: number, method?: string): ErrorInfo =>
  errorInfo('RATE_LIMIT_EXCEEDED', {
    quota_metric: `${SERVICE}/requests`,
    quota_limit: limitName,
    quota_limit_value: String(limitValue),
    quota_location: 'global',
    consumer: 'projects/1',
    ...(method ? { method } : {}),
  });

/** A default detail for a status that carries one, when the caller gave none (fault injection). */
function defaultDetails(status: number): unknown[] | undefined {
  if (status === 401) return [errorInfo('ACCESS_TOKEN_TYPE_UNSUPPORTED')];
  if (status === 403) return [errorInfo('ACCESS_TOKEN_SCOPE_INSUFFICIENT')];
  if (status === 429) return [quotaInfo('RequestsPerMinutePerUser', 300)];
  return undefined;
}

export const googleError = (status: number, message?: string, details?: unknown[]) => {
  const list = details ?? defaultDetails(status);
  return {
    error: {
      code: status,
      message: message ?? MESSAGES[status] ?? 'Request contains an invalid argument.',
      status: STATUS[status] ?? 'UNKNOWN',
      ...(list ? { details: list } : {}),
    },
  };
};
