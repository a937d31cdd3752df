import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { validationFailed } from '../../common/errors/problem.exception.js';
import { AppConfig } from '../../config/app-config.js';
import type { ProviderName } from '../../database/schema.js';
import { ProviderRegistry } from '../providers/provider-registry.js';
import { OAuthStateRepository } from './oauth-state.repository.js';

export interface IssuedConsent {
  /** The server's state: send it with the consent, and back with the code. */
  state: string;
  expiresAt: Date;
  /** The PKCE S256 challenge for the consent URL (providers that support PKCE). */
  codeChallenge?: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * Binds an OAuth consent to the user who started it and to this server: redirect URIs come from the
 * configured allowlist, and `authorize-url` issues a random single-use `state` (stored hashed, with
 * the user, the provider, the redirect URI and a PKCE verifier where the provider supports PKCE)
 * that the code exchange must present. Used by `POST /v1/connections` and by reauthorization.
 */
@Injectable()
export class OAuthStateService {
  constructor(
    private readonly repository: OAuthStateRepository,
    private readonly registry: ProviderRegistry,
    private readonly config: AppConfig,
  ) {}

  /** True for an allowlisted redirect URI (exact match), or a loopback one when those are allowed (RFC 8252 §7.3). */
  isAllowedRedirect(redirectUri: string): boolean {
    if (this.config.oauth.redirectUris.includes(redirectUri)) return true;
    if (!this.config.oauth.allowLoopbackRedirects) return false;
    let url: URL;
    try {
      url = new URL(redirectUri);
    } catch {
      return false;
    }
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      LOOPBACK_HOSTS.has(url.hostname) &&
      url.username === '' &&
      url.password === ''
    );
  }

  /** 422 VALIDATION_FAILED unless {@link isAllowedRedirect}. */
  assertAllowedRedirect(redirectUri: string, field = 'redirectUri'): void {
    if (!this.isAllowedRedirect(redirectUri)) {
      throw validationFailed([{ field, message: 'redirectUri is not on this deployment’s allowlist' }]);
    }
  }

  /** Starts a consent for `userId` at `provider`, returning to `redirectUri`. */
  async issue(userId: string, provider: ProviderName, redirectUri: string): Promise<IssuedConsent> {
    this.assertAllowedRedirect(redirectUri);
    const state = randomBytes(32).toString('base64url');
    const verifier = this.registry.get(provider).supportsPkce
      ? randomBytes(32).toString('base64url')
      : undefined;
    const expiresAt = new Date(Date.now() + this.config.oauth.stateTtlSeconds * 1000);
    await this.repository.insert({
      stateHash: sha256(state).toString('hex'),
      userId,
      provider,
      redirectUri,
      codeVerifier: verifier ?? null,
      expiresAt,
    });
    return {
      state,
      expiresAt,
      ...(verifier ? { codeChallenge: sha256(verifier).toString('base64url') } : {}),
    };
  }

  /**
   * Redeems the state of a consent: it must have been issued by {@link issue} to this user, for this
   * provider and redirect URI, be unexpired and unused. It is spent whatever happens next. Answers
   * the PKCE verifier to send with the code; 422 VALIDATION_FAILED (on `field`) otherwise.
   */
  async consume(
    userId: string,
    provider: ProviderName,
    state: string | undefined,
    redirectUri: string,
    field = 'state',
  ): Promise<{ codeVerifier?: string }> {
    const taken =
      typeof state === 'string' && state.length > 0 && state.length <= 512
        ? await this.repository.take(sha256(state).toString('hex'), userId, provider, redirectUri)
        : undefined;
    if (!taken) {
      throw validationFailed([
        {
          field,
          message:
            'state is missing, expired, already used, or was issued for another user, provider or redirectUri; ' +
            'start the consent again with authorize-url',
        },
      ]);
    }
    return taken.codeVerifier ? { codeVerifier: taken.codeVerifier } : {};
  }
}
