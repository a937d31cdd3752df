/**
 * What the HTTP layer needs to know of a provider's fault, so that common/ maps it without importing
 * a feature module. The taxonomy itself (which fault is which kind, and what it means to a chunk) is
 * modules/providers/provider-errors.ts, whose `ProviderError` extends this class; the problem filter
 * maps it by `kind` in one place (422 PROVIDER_AUTH_FAILED, else 503 PROVIDER_UNAVAILABLE + Retry-After).
 */
export type ProviderFaultKind =
  'transient' | 'rate_limited' | 'app_credentials' | 'grant_revoked' | 'auth_rejected' | 'permission';

export abstract class ProviderFault extends Error {
  abstract readonly kind: ProviderFaultKind;
  /** The provider that failed, named in the problem's detail. */
  abstract readonly provider: string;
  /** When the provider said to come back (a rate limit's reset, a 503's Retry-After), if it did. */
  declare readonly retryAt?: Date;
}

/** Seconds a client should wait before asking again (Retry-After), at least 1. */
export function retryAfterSeconds(fault: ProviderFault, now = Date.now(), fallback = 30): number {
  const at = fault.retryAt;
  if (!at) return fallback;
  return Math.max(1, Math.ceil((at.getTime() - now) / 1000));
}
